/**
 * `ledger.lock`: which process writes `ledger.sqlite` snapshots. Created with `open(…, 'wx')`
 * (atomic create-if-absent), holding the owner's writer id, pid and host; the owner touches its
 * mtime as a heartbeat. A lock is stale when its heartbeat is older than `staleMs`, or when its
 * pid is gone on this host (so a killed window is replaced at once, not after the timeout).
 *
 * Two processes taking over the same stale lock at the same instant could both believe they own
 * it until the next heartbeat, when the loser sees a foreign id and steps down. Nothing depends
 * on the lock for data safety — journals are the source of truth, a snapshot is a cache of them —
 * so that window only costs a redundant snapshot.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { Logger } from '../util/logger';

interface LockContent {
  writerId: string;
  pid: number;
  host: string;
}

/** A lock whose content cannot be read yet may be mid-creation; give its creator this long. */
const UNREADABLE_GRACE_MS = 2_000;

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SnapshotLock {
  private heldFlag = false;

  constructor(
    private readonly file: string,
    private readonly writerId: string,
    private readonly staleMs: number,
    private readonly logger: Logger,
  ) {}

  get held(): boolean {
    return this.heldFlag;
  }

  /** Takes the lock if free or stale, renews it if ours; returns whether we hold it now. */
  async acquireOrRenew(): Promise<boolean> {
    const current = await this.read();
    if (current?.content?.writerId === this.writerId) {
      const now = new Date();
      await fs.utimes(this.file, now, now).catch(() => undefined);
      this.heldFlag = true;
      return true;
    }
    if (this.heldFlag) {
      this.logger.warn('Another window took over writing ledger.sqlite; this window now only writes its journal.');
      this.heldFlag = false;
    }
    if (current && !this.isStale(current)) return false;
    if (current) {
      // Re-read just before removing, so a lock that was renewed or replaced meanwhile survives.
      const again = await this.read();
      if (again && (again.content?.writerId !== current.content?.writerId || !this.isStale(again))) return false;
      await fs.rm(this.file, { force: true });
      this.logger.info(`Took over the ledger snapshot lock from ${current.content?.writerId ?? 'an unreadable lock'}.`);
    }
    return this.create();
  }

  async release(): Promise<void> {
    if (!this.heldFlag) return;
    this.heldFlag = false;
    const current = await this.read();
    if (current?.content?.writerId === this.writerId) await fs.rm(this.file, { force: true });
  }

  private async create(): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      const content: LockContent = { writerId: this.writerId, pid: process.pid, host: os.hostname() };
      await handle.writeFile(JSON.stringify(content));
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.heldFlag = true;
    return true;
  }

  private async read(): Promise<{ content: LockContent | undefined; mtimeMs: number } | undefined> {
    try {
      const [text, stat] = await Promise.all([fs.readFile(this.file, 'utf8'), fs.stat(this.file)]);
      let content: LockContent | undefined;
      try {
        const parsed = JSON.parse(text) as LockContent;
        if (typeof parsed.writerId === 'string' && typeof parsed.pid === 'number') content = parsed;
      } catch {
        content = undefined;
      }
      return { content, mtimeMs: stat.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private isStale(lock: { content: LockContent | undefined; mtimeMs: number }): boolean {
    const age = Date.now() - lock.mtimeMs;
    if (!lock.content) return age > UNREADABLE_GRACE_MS;
    if (lock.content.host === os.hostname() && !isPidAlive(lock.content.pid)) return true;
    return age > this.staleMs;
  }
}
