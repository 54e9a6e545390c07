/**
 * How large a ledger this process can hold, and what the user hears beyond it.
 *
 * sql.js keeps the whole database in memory: the file's bytes in emscripten's in-memory file
 * system, a second full copy while a snapshot is exported, and SQLite's page cache and temporary
 * tables (VACUUM after a deletion builds a complete copy) in the WebAssembly heap, which cannot
 * grow past 2 GiB. Node's `readFile` also refuses files over 2 GiB. A ledger file above
 * `MAX_LEDGER_FILE_BYTES` is therefore refused before anything reads it — nothing on disk
 * changes — instead of failing half-way (and being mistaken for a damaged file). At the bench's
 * 661 bytes per request (1M rows) this is about 2.4 million requests (bench/README.md).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SNAPSHOT_FILE } from '../snapshot';

export const MAX_LEDGER_FILE_BYTES = 1536 * 1024 * 1024;

export class LedgerTooLargeError extends Error {
  override readonly name = 'LedgerTooLargeError';
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

export async function checkLedgerFitsInMemory(dir: string, limit = MAX_LEDGER_FILE_BYTES): Promise<void> {
  const file = path.join(dir, SNAPSHOT_FILE);
  const size = (await fs.stat(file).catch(() => undefined))?.size ?? 0;
  if (size <= limit) return;
  throw new LedgerTooLargeError(
    `${file} is ${gib(size)}, more than the ${gib(limit)} a ledger can hold in memory (sql.js keeps the whole file in memory). ` +
      'It was not opened and nothing on disk was changed. Keep a copy of the file, then remove old rows with an SQLite tool, or move the file away to start a new ledger.',
  );
}

/** A WebAssembly out-of-memory abort (or any other RuntimeError) becomes a sentence; other errors pass unchanged. */
export function describeOpenFailure(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  const outOfMemory = err instanceof RangeError && /memory|allocation|array buffer/i.test(message)
    || /Aborted\(|OOM|out of memory|Cannot enlarge memory/i.test(message)
    || (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError);
  if (!outOfMemory) return err;
  return new LedgerTooLargeError(`The ledger ran out of memory while opening (${message.slice(0, 200)}); it is too large to hold in memory in this window.`);
}
