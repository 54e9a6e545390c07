/**
 * The lease VS Code windows (separate extension-host processes sharing globalStorage) use so that
 * only one of them polls OpenRouter at a time: requests per hour do not grow with the number of
 * windows. The holder renews it on its ticks (rewriting it only once half of it has run out); a
 * crashed holder's lease expires, or is replaced at once when its pid is gone. A focused window
 * may take the lease over, so the window the user looks at is the fresh one. The locking itself
 * is the shared cross-window lock (src/util/fileLock.ts).
 */
import * as path from 'node:path';
import { FileLock } from '../util/fileLock';

export class PollLease {
  private readonly lock: FileLock;

  constructor(dir: string, owner: string, ttlMs: number, now: () => number = Date.now) {
    this.lock = new FileLock(path.join(dir, 'poller.lease'), owner, { staleMs: ttlMs, renewAfterMs: ttlMs / 2, now });
  }

  /** Takes or renews the lease; `takeOver` replaces a live lease of another window. */
  async acquire(takeOver = false): Promise<boolean> {
    return (await this.lock.acquire({ takeOver })).held;
  }

  isHeld(): Promise<boolean> {
    return this.lock.isHeld();
  }

  release(): Promise<void> {
    return this.lock.release();
  }
}
