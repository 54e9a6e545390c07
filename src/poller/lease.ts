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
    if (!current) return this.create(mine);
    const free = current.expiresAt <= this.now() || current.owner === this.owner;
    if (!free && !takeOver) return false;
    await writeFileAtomic(this.file, JSON.stringify(mine));
    // Replacing an expired lease can still race with another window; the rename that landed last wins.
    const after = await readJsonFile<LeaseRecord>(this.file);
    return after?.owner === this.owner;
  }

  /**
   * No lease yet (windows starting together, or after a release): exclusive creation, so exactly
   * one window wins. A file that exists but cannot be read yet is another window creating it.
   */
  private async create(lease: LeaseRecord): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      handle = await fs.open(this.file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await handle.writeFile(JSON.stringify(lease));
    } finally {
      await handle.close();
    }
    return true;
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
