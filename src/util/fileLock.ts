/**
 * The one cross-window lock: a small JSON file in the shared global storage naming its owner
 * (a random id per window), pid, host and the time of its last renewal. VS Code windows are
 * separate processes, so this is what lets exactly one of them poll OpenRouter (poller lease) or
 * write `ledger.sqlite` snapshots (snapshot lock).
 *
 * - Created atomically and never seen half-written: the record is written and synced to a temp
 *   file, then hard-linked into place, which fails if the lock exists — windows starting
 *   together get exactly one winner.
 * - Stale when its owner's pid is gone on this host (a killed window is replaced at once), or
 *   when it was not renewed for `staleMs`. A record without `renewedAt` (older versions) counts
 *   from the file's mtime. A file that cannot be read counts as stale only once it has been so
 *   for a short grace, since it may be mid-creation.
 * - A stale lock is removed only if it is still the same record just before removal, then
 *   recreated exclusively, so two windows replacing it at once cannot both win.
 * - `takeOver` replaces a live lock of another owner (the focused window takes the poller);
 *   the loser sees a foreign owner at its next renewal and steps down.
 * vscode-free; the clock is injectable for tests.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from './atomicFile';

interface LockRecord {
  owner: string;
  pid: number;
  host: string;
  renewedAt?: number;
}

interface Observed {
  record: LockRecord | undefined;
  mtimeMs: number;
}

/** Longest time an unreadable lock file is given to be finished by its creator. */
const UNREADABLE_GRACE_MS = 2_000;

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface FileLockOptions {
  /** Not renewed for this long: anyone may take it. */
  staleMs: number;
  /** The owner rewrites its record only when this much time has passed since the last renewal (default staleMs / 3). */
  renewAfterMs?: number;
  now?: () => number;
}

export interface AcquireResult {
  held: boolean;
  /** Set when this call replaced another owner's lock (stale, or taken over). */
  replaced?: string;
}

export class FileLock {
  private readonly now: () => number;
  private readonly renewAfterMs: number;

  constructor(
    readonly file: string,
    readonly owner: string,
    private readonly options: FileLockOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.renewAfterMs = options.renewAfterMs ?? options.staleMs / 3;
  }

  /** Takes the lock if free or stale (or, with `takeOver`, from a live owner), renews it if ours. */
  async acquire(opts: { takeOver?: boolean } = {}): Promise<AcquireResult> {
    const current = await this.read();
    if (!current) return { held: await this.create() };
    if (current.record?.owner === this.owner) {
      if (this.now() - this.heartbeatAt(current) >= this.renewAfterMs) await this.write();
      return { held: true };
    }
    const replaced = current.record?.owner ?? 'an unreadable lock';
    if (opts.takeOver && current.record) {
      await this.write();
      return (await this.read())?.record?.owner === this.owner ? { held: true, replaced } : { held: false };
    }
    if (!this.isStale(current)) return { held: false };
    const again = await this.read();
    if (again && (again.record?.owner !== current.record?.owner || again.mtimeMs !== current.mtimeMs)) return { held: false };
    await fs.rm(this.file, { force: true });
    return (await this.create()) ? { held: true, replaced } : { held: false };
  }

  /** Ours and not stale. */
  async isHeld(): Promise<boolean> {
    const current = await this.read();
    return !!current && current.record?.owner === this.owner && this.now() - this.heartbeatAt(current) < this.options.staleMs;
  }

  async release(): Promise<void> {
    if ((await this.read())?.record?.owner === this.owner) await fs.rm(this.file, { force: true });
  }

  private record(): string {
    const record: LockRecord = { owner: this.owner, pid: process.pid, host: os.hostname(), renewedAt: this.now() };
    return JSON.stringify(record);
  }

  private async write(): Promise<void> {
    await writeFileAtomic(this.file, this.record());
  }

  private async create(): Promise<boolean> {
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.new`;
    await writeFileAtomic(tmp, this.record());
    try {
      await fs.link(tmp, this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  private async read(): Promise<Observed | undefined> {
    let text: string;
    let mtimeMs: number;
    try {
      [text, { mtimeMs }] = await Promise.all([fs.readFile(this.file, 'utf8'), fs.stat(this.file)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return { record: parseRecord(text), mtimeMs };
  }

  private heartbeatAt(lock: Observed): number {
    return lock.record?.renewedAt ?? lock.mtimeMs;
  }

  private isStale(lock: Observed): boolean {
    if (!lock.record) return this.now() - lock.mtimeMs > Math.min(UNREADABLE_GRACE_MS, this.options.staleMs);
    if (lock.record.host === os.hostname() && !isPidAlive(lock.record.pid)) return true;
    return this.now() - this.heartbeatAt(lock) > this.options.staleMs;
  }
}

/** The current record, or the ledger lock's older `{writerId, pid, host}` shape. */
function parseRecord(text: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const owner = typeof parsed.owner === 'string' ? parsed.owner : typeof parsed.writerId === 'string' ? parsed.writerId : undefined;
    if (owner === undefined || typeof parsed.pid !== 'number') return undefined;
    return {
      owner,
      pid: parsed.pid,
      host: typeof parsed.host === 'string' ? parsed.host : '',
      renewedAt: typeof parsed.renewedAt === 'number' ? parsed.renewedAt : undefined,
    };
  } catch {
    return undefined;
  }
}
