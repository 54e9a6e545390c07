/**
 * Incremental Server-Sent Events parser over raw byte chunks (WHATWG "event stream" rules).
 * Pure: no I/O, no timers. Bytes may be split anywhere — inside a multi-byte UTF-8 character,
 * between `\r` and `\n`, in the middle of a field name — and the events come out the same.
 *
 * - Lines end with `\n`, `\r\n` or a lone `\r`.
 * - `:`-lines are comments (OpenRouter's `: OPENROUTER PROCESSING` keep-alives) and are dropped.
 * - Several `data:` lines form one event, joined with `\n`; a blank line dispatches it, and extra
 *   blank lines dispatch nothing.
 * - A leading byte-order mark is dropped by the decoder.
 */

export interface SseEvent {
  /** The `event:` field, `'message'` when absent. */
  event: string;
  data: string;
  /** Last `id:` seen, if any. */
  id: string | null;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  /** The previous chunk ended in `\r`: a `\n` opening the next one belongs to that line ending. */
  private pendingCr = false;
  private dataLines: string[] = [];
  private eventType = '';
  private lastId: string | null = null;
  private ended = false;

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    if (this.ended) throw new Error('SseParser.push after end()');
    return this.consume(this.decoder.decode(chunk, { stream: true }), false);
  }

  /**
   * Signals end of input. A final line or event not followed by a blank line is still delivered
   * (servers often close right after `data: [DONE]\n`); a cut-off event shows up as invalid JSON
   * to the caller, which reports it.
   */
  end(): SseEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return this.consume(this.decoder.decode(), true);
  }

  private consume(text: string, final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    if (text.length > 0) {
      if (this.pendingCr && text.charCodeAt(0) === 0x0a) text = text.slice(1);
      this.pendingCr = false;
    }
    const buffer = this.buffer + text;
    let start = 0;
    // The carried-over partial line holds no line break; scan only the new text.
    for (let i = this.buffer.length; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 0x0a && ch !== 0x0d) continue;
      this.line(buffer.slice(start, i), events);
      if (ch === 0x0d) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = buffer.slice(start);
    if (final) {
      if (this.buffer.length > 0) this.line(this.buffer, events);
      this.buffer = '';
      this.dispatch(events);
    }
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry:` and unknown fields carry nothing this client uses.
        break;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push({ event: this.eventType || 'message', data: this.dataLines.join('\n'), id: this.lastId });
    }
    this.dataLines = [];
    this.eventType = '';
  }
}
