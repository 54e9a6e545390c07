/**
 * When and how the window holding `ledger.lock` saves `ledger.sqlite`, and the journal
 * compaction that follows a save (see the design notes in store.ts, points 3 and 5).
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../util/logger';
import type { LedgerDb } from './apply';
import { chainHead } from './chain';
import { isWriterDead, journalFile, recordCompaction, type JournalPosition } from './follow';
import type { SnapshotLock } from './lock';
import { writeHead, writeSnapshot } from './snapshot';
import type { LedgerWarning } from './types';

export interface SnapshotterDeps {
  dir: string;
  journalDir: string;
  writerId: string;
  lock: SnapshotLock;
  logger: Logger;
  warn: (w: LedgerWarning) => void;
  ldb: () => LedgerDb;
  positions: () => Map<string, JournalPosition>;
  /** Runs work so that it never overlaps catch-ups or reloads. */
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  timing: { snapshotDelayMs: number; maxSnapshotDelayMs: number; compactGraceMs: number };
}

/** After a failed save (disk full, file locked by another program), wait this long before the next try. */
const RETRY_MS = 30_000;
const SET_SNAPSHOT_ID = "INSERT INTO meta (key, value) VALUES ('snapshot_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

export class Snapshotter {
  private timer: NodeJS.Timeout | undefined;
  private firstUnsavedAt: number | undefined;
  private lastChangeAt = 0;
  private lastCostMs = 0;
  private vacuumPending = false;
  /** Set after a failed save: no new attempt before this time. */
  private notBefore = 0;
  /** Journal offsets contained in the last snapshot this window wrote. */
  private lastIncluded: Map<string, number> | undefined;
  private stopped = false;

  constructor(private readonly deps: SnapshotterDeps) {}

  /** The database changed (own or another window's record). */
  changed(): void {
    this.lastChangeAt = Date.now();
    this.firstUnsavedAt ??= this.lastChangeAt;
    this.schedule();
  }

  /** Rows were deleted: the next snapshot VACUUMs so the file shrinks. */
  compactFileNextTime(): void {
    this.vacuumPending = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Due `snapshotDelayMs` after the last change, and no later than `maxSnapshotDelayMs` after the
   * first unsaved one — stretched to ten times the last snapshot's cost, so a huge ledger under a
   * steady stream of writes does not spend its time exporting.
   */
  schedule(): void {
    if (this.stopped || !this.deps.lock.held || this.firstUnsavedAt === undefined) return;
    const { snapshotDelayMs, maxSnapshotDelayMs } = this.deps.timing;
    const due = Math.max(this.notBefore, Math.min(this.lastChangeAt + snapshotDelayMs, this.firstUnsavedAt + Math.max(maxSnapshotDelayMs, 10 * this.lastCostMs)));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.deps.serial(() => this.snapshot()).catch((err) => this.deps.logger.error(`Saving ledger.sqlite failed: ${(err as Error).message}`));
    }, Math.max(0, due - Date.now()));
    this.timer.unref();
  }

  /** Saves ledger.sqlite if anything is unsaved and this window holds the lock; then compacts. */
  async snapshot(): Promise<void> {
    const { deps } = this;
    if (this.firstUnsavedAt === undefined || !(await deps.lock.acquireOrRenew())) return;
    const started = Date.now();
    const ldb = deps.ldb();
    const snapshotId = randomBytes(8).toString('hex');
    ldb.stmt(SET_SNAPSHOT_ID).run([snapshotId]);
    if (this.vacuumPending) {
      ldb.db.exec('VACUUM');
      this.vacuumPending = false;
    }
    const included = new Map([...deps.positions()].map(([w, p]) => [w, p.offset]));
    const head = chainHead(ldb.db);
    const bytes = ldb.exportBytes();
    this.firstUnsavedAt = undefined;
    try {
      const file = await writeSnapshot(deps.dir, bytes, deps.writerId);
      if (head) await writeHead(deps.dir, { ...head, snapshotId, fileSize: file.size, fileMtimeMs: file.mtimeMs });
    } catch (err) {
      const message = `Could not save ledger.sqlite (${(err as Error).message}); the journals still hold every request. Retrying in ${RETRY_MS / 1000} s.`;
      deps.logger.warn(message);
      deps.warn({ kind: 'snapshot-failed', message });
      this.firstUnsavedAt ??= Date.now();
      this.notBefore = Date.now() + RETRY_MS;
      this.schedule();
      return;
    }
    this.notBefore = 0;
    this.lastCostMs = Date.now() - started;
    deps.logger.debug(`Saved ledger.sqlite (${bytes.length} bytes) in ${this.lastCostMs} ms.`);
    const older = this.lastIncluded;
    this.lastIncluded = included;
    if (older) await this.compactJournals(older);
  }

  /** Deletes finished journals that even the older kept snapshot (ledger.sqlite.prev) holds in full. */
  private async compactJournals(older: Map<string, number>): Promise<void> {
    const { deps } = this;
    for (const [writer, includedOffset] of older) {
      const pos = deps.positions().get(writer);
      if (writer === deps.writerId || !pos || includedOffset < pos.offset) continue;
      if (!pos.closed && !isWriterDead(writer)) continue;
      const file = journalFile(deps.journalDir, writer);
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat || Date.now() - stat.mtimeMs < deps.timing.compactGraceMs) continue;
      if (!(await deps.lock.acquireOrRenew())) return;
      await recordCompaction(deps.journalDir, writer, pos.offset);
      await fs.rm(file, { force: true });
      deps.logger.debug(`Compacted journal ${writer} (held by both kept snapshots).`);
    }
  }
}
