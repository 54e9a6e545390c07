/**
 * Bytes of a `text/event-stream` chat response → ChatStreamEvents. Ends on `data: [DONE]` or after
 * a mid-stream error event; a body that ends with neither was cut off and throws a 'network'
 * OpenRouterError (code STREAM_TRUNCATED) so callers never mistake a partial answer for a
 * complete one. Errors thrown by the byte reader itself propagate unchanged: the client knows
 * whether they come from a timeout, a cancel or a dropped socket.
 */
import { ChatChunkReader } from './chat';
import { OpenRouterError, truncatedStreamError } from './errors';
import { isObject, tryParseJson } from './parse';
import { SseParser, type SseEvent } from './sse';
import type { ByteReader } from './transport';
import type { ChatStreamEvent, KeyKind } from './types';

export interface ChatStreamContext {
  endpoint: string;
  headerGenerationId: string | null;
  keyKind: KeyKind;
}

export async function* chatStreamEvents(reader: ByteReader, context: ChatStreamContext): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const parser = new SseParser();
  const chunks = new ChatChunkReader(context.headerGenerationId);
  let finished = false;
  let inputEnded = false;

  /** Returns true when the stream is over ([DONE] or an error event). */
  function* handle(events: SseEvent[], atEnd: boolean): Generator<ChatStreamEvent, boolean, undefined> {
    for (const event of events) {
      const data = event.data.trim();
      if (data === '') continue;
      if (data === '[DONE]') return true;
      const parsed = tryParseJson(data);
      if (parsed === undefined) {
        if (atEnd) throw truncated(context, 'the last event was cut off');
        throw new OpenRouterError({
          kind: 'malformed',
          endpoint: context.endpoint,
          detail: `stream event is not valid JSON (${data.length} chars)`,
          keyKind: context.keyKind,
        });
      }
      if (!isObject(parsed)) continue;
      yield* chunks.read(parsed);
      if (chunks.sawError) return true;
    }
    return false;
  }

  try {
    while (!finished) {
      const { done, value } = await reader.read();
      if (done) {
        inputEnded = true;
        finished = yield* handle(parser.end(), true);
        if (!finished) throw truncated(context, 'the stream ended without [DONE]');
        return;
      }
      if (value && value.byteLength > 0) finished = yield* handle(parser.push(value), false);
    }
  } finally {
    if (!inputEnded) await reader.cancel().catch(() => undefined);
  }
}

function truncated(context: ChatStreamContext, detail: string): OpenRouterError {
  return truncatedStreamError(context.endpoint, detail, context.keyKind);
}
