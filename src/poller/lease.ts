/**
 * A lease that VS Code windows (separate extension-host processes sharing globalStorage) use so
 * that only one of them polls OpenRouter at a time: requests per hour do not grow with the
 * number of windows. The holder renews it on every tick; a crashed holder's lease simply expires.
 * A focused window may take the lease over, so the window the user looks at is the fresh one.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { readJsonFile, writeFileAtomic } from '../util/atomicFile';

interface LeaseRecord {
  owner: string;
  pid: number;
  expiresAt: number;
}

export class PollLease {
  private readonly file: string;

  constructor(
    dir: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(dir, 'poller.lease');
  }

  /** Takes or renews the lease; `takeOver` replaces a live lease of another window. */
  async acquire(takeOver = false): Promise<boolean> {
    const current = await readJsonFile<LeaseRecord>(this.file);
    const mineAndFresh = current?.owner === this.owner && current.expiresAt - this.now() > this.ttlMs / 2;
    if (mineAndFresh) return true; // renewing on every tick would fsync every few seconds for nothing
    const mine: LeaseRecord = { owner: this.owner, pid: process.pid, expiresAt: this.now() + this.ttlMs };
    if (!current) {
      if (await this.create(mine)) return true;
      // Someone else holds a file we cannot read: fine while it is being created, but one left
      // unreadable (a crash, a power cut) must not block polling for good.
      if (!(await this.isAbandoned())) return false;
    } else {
      const free = current.expiresAt <= this.now() || current.owner === this.owner;
      if (!free && !takeOver) return false;
    }
    await writeFileAtomic(this.file, JSON.stringify(mine));
    // Replacing an expired lease can still race with another window; the rename that landed last wins.
    const after = await readJsonFile<LeaseRecord>(this.file);
    return after?.owner === this.owner;
  }

  /**
   * No lease yet (windows starting together, or after a release): exactly one window wins. The
   * record is written and synced to a temp file first and then hard-linked into place, which fails
   * if the lease exists, so a lease file is never seen half-written.
   */
  private async create(lease: LeaseRecord): Promise<boolean> {
    const tmp = `${this.file}.${this.owner}.new`;
    await writeFileAtomic(tmp, JSON.stringify(lease));
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

  /** A lease file that exists but has been unreadable for longer than the TTL. */
  private async isAbandoned(): Promise<boolean> {
    try {
      const { mtimeMs } = await fs.stat(this.file);
      return this.now() - mtimeMs > this.ttlMs;
    } catch {
      return true;
    }
  }

  async isHeld(): Promise<boolean> {
    const current = await readJsonFile<LeaseRecord>(this.file);
    return !!current && current.owner === this.owner && current.expiresAt > this.now();
  }

  async release(): Promise<void> {
    const current = await readJsonFile<LeaseRecord>(this.file);
    if (current?.owner === this.owner) await fs.rm(this.file, { force: true });
  }
}
