/**
 * The snapshot files: `ledger.sqlite` (current), `ledger.sqlite.prev` (the one before, kept so a
 * damaged current file can be rebuilt without data loss even after journals were compacted) and
 * `ledger.head` (chain head at the last save). Writes are atomic: temp file, fsync, rename.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import type { ChainHead } from './chain';
import { openIfExists, syncDirectory } from './journal';

export const SNAPSHOT_FILE = 'ledger.sqlite';
export const PREVIOUS_FILE = 'ledger.sqlite.prev';
export const HEAD_FILE = 'ledger.head';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Why `bytes` cannot be a complete SQLite file, or undefined if its header is consistent. */
export function headerProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 100) return `file is too short (${bytes.length} bytes)`;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 16).equals(MAGIC)) return 'not an SQLite file (bad header)';
  const rawPageSize = buf.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `invalid page size ${rawPageSize}`;
  const pageCount = buf.readUInt32BE(28);
  const countValid = buf.readUInt32BE(24) === buf.readUInt32BE(92) && pageCount > 0;
  if (countValid && bytes.length !== pageCount * pageSize) {
    return `file is ${bytes.length} bytes but its header says ${pageCount * pageSize} (truncated or padded)`;
  }
  if (bytes.length % pageSize !== 0) return 'file size is not a whole number of pages';
  return undefined;
}

/** What `ledger.head` records about the last snapshot: its chain head and how to recognise the file. */
export interface SnapshotHead extends ChainHead {
  snapshotId: string;
  fileSize: number;
  fileMtimeMs: number;
  /** Requests the snapshot holds (absent in heads written before this was recorded). */
  rows?: number;
}

export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

/**
 * Writes a snapshot so that at every instant `ledger.sqlite` is a complete file; returns the
 * size and mtime it ended up with (recorded in ledger.head).
 */
export async function writeSnapshot(dir: string, bytes: Uint8Array, writerId: string): Promise<FileIdentity> {
  const current = path.join(dir, SNAPSHOT_FILE);
  const tmp = path.join(dir, `${SNAPSHOT_FILE}.tmp-${writerId}`);
  const handle = await fs.open(tmp, 'w');
  try {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, Math.min(bytes.length - written, 16 << 20), written);
      written += bytesWritten;
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await keepPrevious(dir, writerId);
  try {
    await fs.rename(tmp, current);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
  const { size, mtimeMs } = await fs.stat(current);
  return { size, mtimeMs };
}

/**
 * Turns the current file into `.prev` without a moment where neither name holds a complete
 * file: hard-link current to a temp name, then rename that over `.prev`.
 */
async function keepPrevious(dir: string, writerId: string): Promise<void> {
  const current = path.join(dir, SNAPSHOT_FILE);
  const link = path.join(dir, `${PREVIOUS_FILE}.tmp-${writerId}`);
  await fs.rm(link, { force: true });
  try {
    await fs.link(current, link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    // No hard links on this file system: copy instead (slower, still atomic for readers).
    await fs.copyFile(current, link);
  }
  await fs.rename(link, path.join(dir, PREVIOUS_FILE));
}

/** The bytes read cannot be a complete SQLite file (damage, not trouble reading them). */
export class SnapshotHeaderError extends Error {
  override readonly name = 'SnapshotHeaderError';
}

/** Reads a snapshot candidate; undefined if missing. Header problems are thrown as SnapshotHeaderError. */
export async function readSnapshotBytes(file: string): Promise<(FileIdentity & { bytes: Uint8Array }) | undefined> {
  const handle = await openIfExists(file);
  if (!handle) return undefined;
  try {
    const { size, mtimeMs } = await handle.stat();
    const bytes = await handle.readFile();
    const problem = headerProblem(bytes);
    if (problem) throw new SnapshotHeaderError(problem);
    return { bytes, size, mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Moves a damaged file out of the way (kept for manual recovery); returns its new path. */
export async function setAside(file: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = `${file}.corrupt-${stamp}`;
  await fs.rename(file, target);
  return target;
}

export async function writeHead(dir: string, head: SnapshotHead): Promise<void> {
  await writeFileAtomic(path.join(dir, HEAD_FILE), JSON.stringify(head));
}

export async function readHead(dir: string): Promise<SnapshotHead | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(path.join(dir, HEAD_FILE), 'utf8')) as SnapshotHead;
    return typeof parsed.seq === 'number' && typeof parsed.hash === 'string' && typeof parsed.snapshotId === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
