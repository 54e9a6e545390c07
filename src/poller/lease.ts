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
    const free = !current || current.expiresAt <= this.now() || current.owner === this.owner;
    if (!free && !takeOver) return false;
    const mine: LeaseRecord = { owner: this.owner, pid: process.pid, expiresAt: this.now() + this.ttlMs };
    await writeFileAtomic(this.file, JSON.stringify(mine));
    // Two windows may write at the same moment; the rename that landed last wins, so re-read.
    const after = await readJsonFile<LeaseRecord>(this.file);
    return after?.owner === this.owner;
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
