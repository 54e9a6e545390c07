/**
 * When and how the window holding `ledger.lock` saves `ledger.sqlite`, and the journal
 * compaction that follows a save (see the design notes in store.ts, points 3 and 5).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../util/logger';
import type { LedgerDb } from './apply';
import { PACKED_TABLE } from './packedRows';
import { chainHead } from './chain';
import { isWriterDead, journalFile, recordCompaction, type JournalPosition } from './follow';
import type { SnapshotLock } from './lock';
import { readHead, SNAPSHOT_FILE, writeHead, writeSnapshot } from './snapshot';
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
  /** Journals this database cannot follow to their end (never compacted). */
  blocked: () => ReadonlyMap<string, unknown>;
  /** Applies other windows' records (before comparing row counts with their snapshot). */
  catchUp: () => Promise<void>;
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
  private refusalReported = false;

  constructor(private readonly deps: SnapshotterDeps) {}

  /** The database changed (own or another window's record). */
  changed(): void {
    this.lastChangeAt = Date.now();
    this.firstUnsavedAt ??= this.lastChangeAt;
    this.schedule();
  }

  /**
   * The next snapshot compacts the file (unused text dropped, VACUUM), as it does after any
   * deletion: for a migration, which leaves the old layout's pages free.
   */
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
    const rows = await this.rowsIfNoneLost();
    if (rows === undefined) return;
    const started = Date.now();
    const ldb = deps.ldb();
    const snapshotId = randomBytes(8).toString('hex');
    ldb.stmt(SET_SNAPSHOT_ID).run([snapshotId]);
    // Rows were deleted here, or in another window whose deletion this database applied.
    if (this.vacuumPending || ldb.deletedSinceSnapshot > 0) {
      this.vacuumPending = false;
      compact(ldb, deps.logger);
    }
    const included = new Map([...deps.positions()].map(([w, p]) => [w, p.offset]));
    const head = chainHead(ldb.db);
    const bytes = ldb.exportBytes();
    this.firstUnsavedAt = undefined;
    try {
      const file = await writeSnapshot(deps.dir, bytes, deps.writerId);
      ldb.deletedSinceSnapshot = 0;
      if (head) await writeHead(deps.dir, { ...head, snapshotId, fileSize: file.size, fileMtimeMs: file.mtimeMs, rows });
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

  /**
   * The number of requests the snapshot will hold — or undefined (reported once) when that is
   * fewer than the last snapshot saved held (the file it replaces, or the one a damaged file was
   * set aside from) and deletions applied since do not explain the difference: rows would
   * silently vanish from the file. The journals still hold everything this window has; the save
   * is retried later.
   */
  private async rowsIfNoneLost(): Promise<number | undefined> {
    const { deps } = this;
    const head = await readHead(deps.dir);
    const current = await fs.stat(path.join(deps.dir, SNAPSHOT_FILE)).catch(() => undefined);
    // No count recorded, or a file put there by someone else (a restored backup): nothing to compare with.
    if (head?.rows === undefined || (current && (current.size !== head.fileSize || current.mtimeMs !== head.fileMtimeMs))) {
      return rowCount(deps.ldb());
    }
    // Another window may have saved rows this one has not read yet.
    await deps.catchUp();
    const ldb = deps.ldb();
    const rows = rowCount(ldb);
    if (rows + ldb.deletedSinceSnapshot >= head.rows) {
      this.refusalReported = false;
      return rows;
    }
    const message = `Not saving ledger.sqlite: it would hold ${rows} requests where the last saved snapshot held ${head.rows}, and no deletion explains the difference. The journals keep every request this window has; the damaged or missing snapshot files are kept for recovery.`;
    deps.logger.warn(message);
    if (!this.refusalReported) deps.warn({ kind: 'snapshot-refused', message });
    this.refusalReported = true;
    this.notBefore = Date.now() + RETRY_MS;
    this.schedule();
    return undefined;
  }

  /** Deletes finished journals that even the older kept snapshot (ledger.sqlite.prev) holds in full. */
  private async compactJournals(older: Map<string, number>): Promise<void> {
    const { deps } = this;
    for (const [writer, includedOffset] of older) {
      const pos = deps.positions().get(writer);
      if (writer === deps.writerId || !pos || includedOffset < pos.offset || deps.blocked().has(writer)) continue;
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

/**
 * Drops the text only deleted rows used, then VACUUMs so the file shrinks and its free pages keep
 * nothing of the deleted rows. VACUUM builds a whole copy of the database. With SQLite's
 * temporary files and rollback journal in memory (the ledger's PRAGMAs) that copy, twice, lands
 * in sql.js's WebAssembly heap, capped at 2 GiB: a 1.4 GiB ledger failed with "out of memory" (bench:ledger --capacity). As files they live
 * in sql.js's in-memory file system instead, outside that heap. If compaction still fails, the
 * snapshot is saved uncompacted; `exportBytes()` restores the PRAGMAs right after.
 */
function compact(ldb: LedgerDb, logger: Logger): void {
  try {
    ldb.db.exec('PRAGMA temp_store = FILE; PRAGMA journal_mode = DELETE;');
    const dropped = ldb.pruneUnusedText();
    if (dropped) logger.debug(`Dropped ${dropped} text value(s) no remaining request uses.`);
    ldb.db.exec('VACUUM;');
  } catch (err) {
    logger.warn(`Compacting ledger.sqlite failed (${(err as Error).message}); it is saved without compacting.`);
  }
}

function rowCount(ldb: LedgerDb): number {
  return ldb.all(`SELECT COUNT(*) FROM ${PACKED_TABLE}`)[0][0] as number;
}
