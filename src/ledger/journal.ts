/**
 * Per-process append-only journals: `journal/<writerId>.jsonl`.
 *
 * One line per record: `{"v":<format>,"q":<seq>,"o":<op>}` TAB `<checksum>` LF. The checksum
 * (first 64 bits of SHA-256 of the JSON) makes each line self-checking, so a torn or damaged line
 * is recognised and skipped instead of being applied half-read. JSON never contains a raw TAB or
 * LF, so both separators are unambiguous.
 *
 * `v` is the journal format version (lines from before versions existed have none and read as
 * version 1). A line that passes its checksum but that this version cannot read — a newer format,
 * an operation kind it does not know, a shape it does not expect — was acknowledged by a newer
 * window, so it is never skipped: decoding stops there (`stop`), and the reader stays before it.
 *
 * Group commit: `append` queues the record; one flush writes every queued record with a single
 * write and a single fdatasync, and only then hands the batch to `onDurable` and resolves the
 * callers. So `await append()` means "on disk", and concurrent appends share one fsync.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Logger } from '../util/logger';
import { isLedgerOp, OP_KINDS, type LedgerOp } from './ops';

/** The journal format this version writes, and the newest it reads. */
export const JOURNAL_FORMAT_VERSION = 1;

export interface JournalRecord {
  seq: number;
  op: LedgerOp;
  /** Byte offset just after this record's line. */
  end: number;
  /** Byte offset of the start of this record's line (set when read back from a file). */
  start?: number;
}

const TAB = 0x09;
const LF = 0x0a;

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

export function encodeRecord(seq: number, op: LedgerOp): Buffer {
  const json = JSON.stringify({ v: JOURNAL_FORMAT_VERSION, q: seq, o: op });
  return Buffer.from(`${json}\t${checksum(json)}\n`, 'utf8');
}

export interface DecodedJournal {
  records: JournalRecord[];
  /** Offset after the last complete line (valid or not): where the next read starts. */
  consumed: number;
  /** Complete lines that failed their checksum or shape check. */
  corrupt: { offset: number; reason: string }[];
  /** Bytes after the last LF: a record still being written, or torn by a crash. */
  partialBytes: number;
  /**
   * A sound line this version cannot read (newer format or unknown kind): decoding stopped at
   * its start (`consumed` = `offset`), and nothing from it on is in `records`.
   */
  stop?: { offset: number; reason: string };
}

/** Why a checksummed record cannot be read by a reader of format `maxVersion`; undefined if it can. */
function unreadable(parsed: { v?: unknown; q?: unknown; o?: unknown }, maxVersion: number): string | undefined {
  const version = parsed.v ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version > maxVersion) {
    return `written in journal format ${String(version)} (this version reads up to ${maxVersion})`;
  }
  const kind = typeof parsed.o === 'object' && parsed.o !== null ? (parsed.o as { k?: unknown }).k : undefined;
  if (!OP_KINDS.includes(kind as never)) return `of an operation kind this version does not know (${JSON.stringify(kind) ?? 'none'})`;
  if (typeof parsed.q !== 'number' || !Number.isInteger(parsed.q) || !isLedgerOp(parsed.o)) return `of a shape this version does not expect (${String(kind)})`;
  return undefined;
}

/** Decodes `buf`, which holds the file's bytes from `baseOffset` on. */
export function decodeRecords(buf: Buffer, baseOffset: number, maxVersion = JOURNAL_FORMAT_VERSION): DecodedJournal {
  const records: JournalRecord[] = [];
  const corrupt: DecodedJournal['corrupt'] = [];
  let start = 0;
  for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
    const lineStart = baseOffset + start;
    const tab = buf.lastIndexOf(TAB, nl);
    let stop: string | undefined;
    const reason = (() => {
      if (tab < start) return 'no checksum';
      const json = buf.toString('utf8', start, tab);
      if (buf.toString('latin1', tab + 1, nl) !== checksum(json)) return 'checksum mismatch';
      let parsed: { v?: unknown; q?: unknown; o?: unknown };
      try {
        parsed = JSON.parse(json);
      } catch {
        return 'unparsable JSON';
      }
      stop = unreadable(parsed, maxVersion);
      if (stop) return undefined;
      records.push({ seq: parsed.q as number, op: parsed.o as LedgerOp, end: baseOffset + nl + 1, start: lineStart });
      return undefined;
    })();
    if (stop) return { records, consumed: lineStart, corrupt, partialBytes: 0, stop: { offset: lineStart, reason: stop } };
    if (reason) corrupt.push({ offset: lineStart, reason });
    start = nl + 1;
  }
  return { records, consumed: baseOffset + start, corrupt, partialBytes: buf.length - start };
}

/** Opens a file for reading; undefined when it does not exist (any other failure is thrown). */
export async function openIfExists(file: string): Promise<fs.FileHandle | undefined> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The bytes of a file from `offset` to its current end; undefined if the file is missing. */
async function readTail(file: string, offset: number): Promise<Buffer | undefined> {
  const handle = await openIfExists(file);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(Math.max(0, size - offset));
    let read = 0;
    while (read < buf.length) {
      const { bytesRead } = await handle.read(buf, read, buf.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Reads a journal from `offset` to its current end (or to a line it cannot read). Missing file: undefined. */
export async function readJournalFrom(file: string, offset: number, maxVersion = JOURNAL_FORMAT_VERSION): Promise<DecodedJournal | undefined> {
  const tail = await readTail(file, offset);
  return tail && decodeRecords(tail, offset, maxVersion);
}

/** Complete lines of a plain text file from `offset`; `consumed` is where the next read starts. */
export async function readLinesFrom(file: string, offset: number): Promise<{ lines: string[]; consumed: number } | undefined> {
  const tail = await readTail(file, offset);
  if (!tail) return undefined;
  const end = tail.lastIndexOf(LF) + 1;
  return { lines: tail.toString('utf8', 0, end).split('\n').filter(Boolean), consumed: offset + end };
}

/** fsync of a directory makes a new or renamed entry in it durable (not possible on Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; NTFS journals the metadata itself.
  } finally {
    await handle?.close();
  }
}

interface Pending {
  seq: number;
  op: LedgerOp;
  line: Buffer;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Applies a durable batch in order; returns, per record, what its `append` resolves to (or the
 * Error it rejects with).
 */
export type OnDurable = (records: JournalRecord[]) => unknown[];

export class JournalWriter {
  private handle: fs.FileHandle | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private nextSeq = 1;
  private offset = 0;
  private broken: Error | undefined;
  private closed = false;
  private paused = false;

  constructor(
    readonly file: string,
    private readonly onDurable: OnDurable,
    private readonly logger: Logger,
  ) {}

  /** Creates the journal (it must not exist: one writer id, one file) and makes it durable. */
  async open(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await fs.open(this.file, 'ax');
    await syncDirectory(path.dirname(this.file));
  }

  get size(): number {
    return this.offset;
  }

  /** Resolves once the record is on disk and applied; rejects if either failed. */
  append<T = unknown>(op: LedgerOp): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The ledger is closed.'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<T>((resolve, reject) => {
      const seq = this.nextSeq++;
      this.queue.push({ seq, op, line: encodeRecord(seq, op), resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** Resolves when everything appended so far has been flushed (waits out a pause). */
  async flush(): Promise<void> {
    while (this.flushing || this.queue.length) {
      await (this.flushing ?? new Promise((resolve) => setTimeout(resolve, 5)));
    }
  }

  /**
   * Stops flushing after the batch in progress (appends keep queueing) until the returned
   * function is called; used while the database underneath is being replaced.
   */
  async pause(): Promise<() => void> {
    this.paused = true;
    while (this.flushing) await this.flushing;
    return () => {
      this.paused = false;
      this.kick();
    };
  }

  /** Writes the close marker, flushes, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.broken) await this.append({ k: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  private kick(): void {
    if (this.flushing || this.paused || !this.queue.length) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    const handle = this.handle;
    if (!handle) {
      for (const p of this.queue.splice(0)) p.reject(new Error('The ledger journal is not open.'));
      return;
    }
    while (this.queue.length && !this.paused) {
      const batch = this.queue.splice(0);
      const buf = batch.length === 1 ? batch[0].line : Buffer.concat(batch.map((p) => p.line));
      try {
        let written = 0;
        while (written < buf.length) {
          const { bytesWritten } = await handle.write(buf, written, buf.length - written, null);
          written += bytesWritten;
        }
        await handle.datasync();
      } catch (err) {
        const failure = this.fail(err as Error);
        for (const p of [...batch, ...this.queue.splice(0)]) p.reject(failure);
        return;
      }
      let end = this.offset;
      const records = batch.map((p) => ({ seq: p.seq, op: p.op, end: (end += p.line.length) }));
      this.offset = end;
      let results: unknown[];
      try {
        results = this.onDurable(records);
      } catch (err) {
        results = batch.map(() => err);
      }
      batch.forEach((p, i) => (results[i] instanceof Error ? p.reject(results[i] as Error) : p.resolve(results[i])));
      // Let the callers just resolved queue their next records, so they share the next fsync.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * A failed write may have left some of the batch's lines on disk, complete or torn. Other
   * windows may already have read the complete ones, so the file cannot be cut back; instead this
   * journal takes no more records (the torn tail is skipped by every reader) and the error says
   * the outcome of the batch is unknown.
   */
  private fail(err: Error): Error {
    this.broken = new Error(`The ledger journal could not be written (${err.message}); requests are not being recorded until the window is reloaded.`);
    this.logger.error(this.broken.message);
    return new Error(`The request may not have been recorded: ${err.message}`);
  }
}
