/**
 * `ledger.lock`: which process writes `ledger.sqlite` snapshots — the shared cross-window lock
 * (src/util/fileLock.ts) with the ledger's writer id as owner, renewed as a heartbeat while this
 * process writes. A dead pid on this host, or a heartbeat older than `staleMs`, lets another
 * window take over.
 *
 * Two processes taking over the same stale lock at the same instant cannot both create it; a
 * window that was taken over sees a foreign owner at its next renewal and steps down. Nothing
 * depends on the lock for data safety — journals are the source of truth, a snapshot is a cache
 * of them — so a late step-down only costs a redundant snapshot.
 */
import { FileLock } from '../util/fileLock';
import type { Logger } from '../util/logger';

export { isPidAlive } from '../util/fileLock';

export class SnapshotLock {
  private heldFlag = false;
  private readonly lock: FileLock;

  constructor(file: string, writerId: string, staleMs: number, private readonly logger: Logger) {
    this.lock = new FileLock(file, writerId, { staleMs });
  }

  get held(): boolean {
    return this.heldFlag;
  }

  /** Takes the lock if free or stale, renews it if ours; returns whether we hold it now. */
  async acquireOrRenew(): Promise<boolean> {
    const result = await this.lock.acquire();
    if (!result.held && this.heldFlag) {
      this.logger.warn('Another window took over writing ledger.sqlite; this window now only writes its journal.');
    }
    if (result.replaced) this.logger.info(`Took over the ledger snapshot lock from ${result.replaced}.`);
    this.heldFlag = result.held;
    return result.held;
  }

  async release(): Promise<void> {
    if (!this.heldFlag) return;
    this.heldFlag = false;
    await this.lock.release();
  }
}
