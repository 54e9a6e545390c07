/**
 * The ledger: a durable, multi-window-safe audit database on sql.js.
 *
 * DESIGN
 * sql.js keeps the whole database in memory and can only save it by serialising all of it
 * (`db.export()`, O(size)). Saving after every request would make a write cost grow with the
 * ledger and, with several VS Code windows (= processes) sharing one folder, the last window to
 * save would erase the others' rows. So the database file is not where writes go:
 *
 * 1. Journals are the source of truth. Each open ledger appends to its own file
 *    `journal/<writerId>.jsonl` — no two processes ever write the same file. A record is one
 *    self-checking line (checksum), and `await append()` returns only after fdatasync. Appends
 *    that arrive while a flush is in progress share the next write + fdatasync (group commit),
 *    so durable throughput grows with concurrency, and the cost of one write does not depend on
 *    the ledger's size (an in-memory insert with O(log n) index updates, plus a constant-size
 *    journal line).
 * 2. Every window holds the whole database in memory and applies its own records after they are
 *    durable, and other windows' records by polling their journals (every `pollIntervalMs`).
 *    `journal_state` stores per writer the last sequence number applied, inside the database
 *    itself, so each record is applied exactly once per database no matter how often it is read.
 *    An acknowledged record is never passed over: a line from a newer version (format version,
 *    unknown kind) stops this window at that line, and a record that fails to apply is retried
 *    with the position left before it (follow.ts).
 * 3. `ledger.sqlite` is a snapshot — a cache of the journals, and a real SQLite file any tool can
 *    open. One window at a time writes it: the holder of `ledger.lock` (created with 'wx'; pid +
 *    heartbeat; a dead pid or a heartbeat older than `lockStaleMs` is taken over). It snapshots
 *    `snapshotDelayMs` after the last change it applied (own or followed), at the latest
 *    `maxSnapshotDelayMs` after the first unsaved one (stretched to 10× the last snapshot's cost
 *    for very large ledgers), and on close. A snapshot is written to a temp file, fsynced, and
 *    renamed over `ledger.sqlite`; the file it replaces is kept as `ledger.sqlite.prev`. Because
 *    `journal_state` travels inside the snapshot, every snapshot states which journal offsets it
 *    contains.
 * 4. Loading = newest usable snapshot + replay of every journal past the offsets it records. A
 *    damaged snapshot (SQLite's own corruption signals only) is renamed
 *    `ledger.sqlite.corrupt-<time>`, reported through `onWarning`, and the previous snapshot +
 *    journals take its place; a snapshot that cannot be read (EACCES, EBUSY…) fails the open and
 *    changes nothing (loader.ts). A snapshot holding fewer rows than the last one saved, with no
 *    deletion to explain it, is never written (snapshotter.ts). A torn last line (a process killed
 *    mid-write) fails its checksum and is skipped with a log line; it was never acknowledged.
 * 5. Journals are deleted (compacted) only when their writer is finished (closed, or dead on
 *    this host), this window could read them to the end, the older of the two kept snapshots
 *    already contains all of them, and they have been idle for `compactGraceMs`. Each deletion is first logged in `journal/compacted.log`; a
 *    window that finds there a journal it had not finished applying (it was asleep, or opened
 *    long ago) reloads from the snapshot, which contains it. So a record leaves the journals only
 *    after two durable snapshots hold it, and no window can miss it.
 * 6. Tamper evidence (chain.ts): every insert, update and dated deletion extends a hash chain
 *    stored in the database; `verify()` recomputes it and every row's hash from the files on disk
 *    (diskVerify.ts), so an edit made to ledger.sqlite while windows are open is reported.
 * 7. Queries read maintained rollup tables (rollups.ts), updated in the same transaction as the
 *    rows, so dashboard cost depends on the time span asked about, not on the ledger's size.
 *
 * Costs: a write is O(log n) in memory plus one journal line (fsync shared by concurrent
 * writes); a snapshot is O(n) but off the write path (`export()` blocks the thread for roughly
 * 0.2 s per 100k rows, and only runs after a quiet period); loading is O(n).
 * Known limit: two windows changing the same row at the same moment (or a deletion racing an
 * insert of an older row) may be applied in different orders by different windows; the window
 * that writes the snapshot decides. Generation ids belong to one window's request, so this does
 * not arise from normal use.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ModelInfo } from '../openrouter/types';
import { silentLogger, tagged, type Logger } from '../util/logger';
import type { LedgerDb } from './apply';
import type { IntegrityReport } from './chain';
import { explainAlteredRows, verifyOnDisk } from './diskVerify';
import { verifyInChildProcess, type VerifyProcessScript } from './worker/verifyProcess';
import { exportRange, type ExportFormat, type ExportOptions, type ExportResult } from './exporter';
import { applyRecords, JournalFollower, journalFile, newWriterId } from './follow';
import { readImportFile, type ImportFormat, type ImportRejection } from './importer';
import { JournalWriter, type JournalRecord } from './journal';
import { loadDatabase } from './loader';
import { finishedSet, interruptedSet, orphanedPendingRows, PENDING_STALE_MS } from './pendingRows';
import { SnapshotLock } from './lock';
import { cleanText, normalizeGeneration, normalizePatch, parseTimestamp, toIso } from './normalize';
import { code, PACKED_TABLE } from './packedRows';
import type { DeleteScope, LedgerOp } from './ops';
import { LedgerQueries } from './queries';
import { DAY_MS } from './rollups';
import { SNAPSHOT_FILE } from './snapshot';
import { Snapshotter } from './snapshotter';
import { loadSqlJs, type SqlJsStatic } from './sqljs';
import { normalizeActivity, normalizeCredit } from './records';
import type {
  ActivityRecord, CachedModelPrice, CreditSnapshotInput, ExternalChange, GenerationFields, GenerationInput,
  GenerationPatch, LedgerWarning, PendingBackfill, TimeRange,
} from './types';

export interface OpenLedgerOptions {
  /** Folder shared by all windows (the extension passes globalStorageUri.fsPath). */
  dir: string;
  /** sql-wasm.wasm (`<extensionPath>/dist/sql-wasm.wasm`); read from disk, never fetched. */
  wasmPath: string;
  logger?: Logger;
  /** Quiet time after the last change before the snapshot owner saves (default 2 s). */
  snapshotDelayMs?: number;
  /** Longest a change stays unsaved while changes keep coming (default 8 s). */
  maxSnapshotDelayMs?: number;
  /** How often other windows' journals are read and the lock is renewed (default 1 s). */
  pollIntervalMs?: number;
  /** A lock whose heartbeat is older than this is taken over (default 15 s). */
  lockStaleMs?: number;
  /** A finished journal must be idle this long before it may be deleted (default 60 s). */
  compactGraceMs?: number;
  /** @internal The newest journal format this reader accepts (tests play a newer version with it). */
  journalFormatVersion?: number;
  /** Damaged files and other conditions the user should hear about. */
  onWarning?: (warning: LedgerWarning) => void;
  /** Another window's records were applied (refresh views). */
  onExternalChange?: (change: ExternalChange) => void;
  /** Run verify() in this child process (worker/verifyProcess.ts) rather than in this thread. */
  verifyProcess?: VerifyProcessScript;
}

export interface ImportReport {
  format: ImportFormat;
  imported: number;
  /** Records whose generation id the ledger (or an earlier line of the file) already had. */
  skipped: number;
  rejected: ImportRejection[];
  rejectedCount: number;
  /** False when nothing was written: the file, or (without `skipInvalid`) one of its records, was rejected. */
  applied: boolean;
}

export type GenerationRef = string | { uid?: string; generationId?: string };

/** How often the snapshot writer looks for rows orphaned by a window that died meanwhile. */
const INTERRUPTED_CHECK_MS = 60_000;

export interface VerifyOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const sql = await loadSqlJs(options.wasmPath);
  const ledger = new Ledger(sql, options);
  await ledger.open();
  return ledger;
}

export class Ledger {
  readonly writerId = newWriterId(randomBytes(4).toString('hex'));
  readonly queries: LedgerQueries;
  private readonly dir: string;
  private readonly journalDir: string;
  private readonly logger: Logger;
  private readonly opt: Required<Pick<OpenLedgerOptions, 'snapshotDelayMs' | 'maxSnapshotDelayMs' | 'pollIntervalMs' | 'lockStaleMs' | 'compactGraceMs'>>;
  private ldb!: LedgerDb;
  private follower: JournalFollower;
  private readonly writer: JournalWriter;
  private readonly lock: SnapshotLock;
  private readonly snapshots: Snapshotter;
  private pollTimer: NodeJS.Timeout | undefined;
  private serialQueue: Promise<unknown> = Promise.resolve();
  private closing = false;
  /** Aborted by close(): stops work that would outlive the ledger (a verification process). */
  private readonly closed = new AbortController();
  private interruptedCheckedAt = 0;

  /** Use `openLedger`. */
  constructor(private readonly sql: SqlJsStatic, private readonly options: OpenLedgerOptions) {
    this.dir = options.dir;
    this.journalDir = path.join(options.dir, 'journal');
    this.logger = tagged(options.logger ?? silentLogger, 'ledger');
    this.opt = {
      snapshotDelayMs: options.snapshotDelayMs ?? 2_000,
      maxSnapshotDelayMs: options.maxSnapshotDelayMs ?? 8_000,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      lockStaleMs: options.lockStaleMs ?? 15_000,
      compactGraceMs: options.compactGraceMs ?? 60_000,
    };
    this.queries = new LedgerQueries(() => this.ldb);
    this.follower = new JournalFollower(this.journalDir, this.writerId, this.logger, this.warn, options.journalFormatVersion);
    this.writer = new JournalWriter(journalFile(this.journalDir, this.writerId), this.onOwnDurable, this.logger);
    this.lock = new SnapshotLock(path.join(this.dir, 'ledger.lock'), this.writerId, this.opt.lockStaleMs, this.logger);
    this.snapshots = new Snapshotter({
      dir: this.dir, journalDir: this.journalDir, writerId: this.writerId, lock: this.lock, logger: this.logger, warn: this.warn,
      ldb: () => this.ldb, positions: () => this.follower.positions, serial: (fn) => this.serial(fn), timing: this.opt,
      blocked: () => this.follower.blocked, catchUp: () => this.catchUpOthers(),
    });
  }

  /** @internal Loads the snapshot, replays journals, starts the journal and the poll timer. */
  async open(): Promise<void> {
    await fs.mkdir(this.journalDir, { recursive: true });
    await this.follower.skipPastCompactions();
    const loaded = await loadDatabase(this.sql, this.dir, this.logger, this.warn);
    this.ldb = loaded.ldb;
    this.follower.reset(this.ldb);
    const replayed = await this.follower.catchUp(() => this.ldb);
    await this.writer.open();
    // A migrated file is saved once in the new schema, compacted: the space the old layout took is given back.
    if (loaded.migrated) this.snapshots.compactFileNextTime();
    if (loaded.migrated || loaded.source !== SNAPSHOT_FILE || replayed.writers.length) this.changed();
    if (await this.lock.acquireOrRenew()) await this.markInterrupted();
    this.snapshots.schedule();
    let tickQueued = false;
    this.pollTimer = setInterval(() => {
      // A slow snapshot must not pile up ticks behind it.
      if (tickQueued) return;
      tickQueued = true;
      void this.serial(() => this.tick()).finally(() => (tickQueued = false));
    }, this.opt.pollIntervalMs);
    this.pollTimer.unref();
    this.logger.info(`Opened (${this.rowCount()} requests; ${this.lock.held ? 'writes' : 'follows'} ledger.sqlite).`);
  }

  get isSnapshotWriter(): boolean {
    return this.lock.held;
  }

  rowCount(): number {
    return this.ldb.all(`SELECT COUNT(*) FROM ${PACKED_TABLE}`)[0][0] as number;
  }

  /**
   * Records one request; resolves with its uid once it is durable (the existing uid for a known
   * generation id). With `input.uid` already in the ledger (a retry whose first reply was lost)
   * nothing is added and that uid is returned. A `pending` row (written before the request is sent) is owned by this
   * window until `finishGeneration`; if this window dies first, the next one marks it interrupted.
   */
  async appendGeneration(input: GenerationInput): Promise<string> {
    const row = normalizeGeneration(input, 'extension');
    const owner = row.status === 'pending' ? { owner: this.writerId } : {};
    const inserted = await this.write<number>({ k: 'gen', rows: [row], ...owner });
    if (inserted === 1 || row.generation_id === null || this.ldb.findGeneration(row.uid, null)) return row.uid;
    return this.ldb.findGeneration(null, row.generation_id)?.uid ?? row.uid;
  }

  /** Refines a row; false when no such row is known (to this or, after a catch-up, any window). */
  async updateGeneration(ref: GenerationRef, patch: GenerationPatch): Promise<boolean> {
    return this.writeUpdate(ref, normalizePatch(patch));
  }

  /** The exact figures from `/generation`: cost_source becomes 'generation', the backfill is done. */
  async completeFromGeneration(generationId: string, fields: GenerationFields): Promise<boolean> {
    return this.writeUpdate({ generationId }, normalizePatch({ ...fields, costSource: 'generation' }, 'done'));
  }

  /** Gives up on a backfill (e.g. /generation kept answering 404). */
  async abandonBackfill(generationId: string): Promise<boolean> {
    return this.writeUpdate({ generationId }, normalizePatch({}, 'abandoned'));
  }

  /** Rows still waiting for their `/generation` lookup, oldest first. */
  pendingBackfills(limit = 100): PendingBackfill[] {
    return this.ldb
      .all(`SELECT uid, generation_id, ts, model_requested, cost_source FROM generations
        WHERE id IN (SELECT id FROM ${PACKED_TABLE} WHERE backfill_code = ${code('backfill', 'pending')} ORDER BY ts_ms LIMIT ?) ORDER BY ts_ms`, [limit])
      .map(([uid, gid, ts, model, source]) => ({
        uid: uid as string, generationId: gid as string, ts: ts as string, modelRequested: model as string,
        costSource: source as PendingBackfill['costSource'],
      }));
  }

  /** The generation id of a pending row, as soon as the first chunk or header names it. */
  async attachGenerationId(uid: string, generationId: string): Promise<boolean> {
    if (typeof generationId !== 'string' || !generationId || generationId.length > 200) throw new RangeError('Not a generation id.');
    const row = this.ldb.findGeneration(uid, null);
    if (!row || row.generation_id !== null) return false;
    return this.write<boolean>({ k: 'upd', uid, gid: null, set: { generation_id: cleanText(generationId) } });
  }

  /**
   * Completes a row written as `pending`: its outcome, tokens and cost. With a generation id and
   * a cost not from /generation, the row then waits for its /generation backfill.
   */
  async finishGeneration(uid: string, patch: GenerationPatch & { generationId?: string | null }): Promise<boolean> {
    const row = this.ldb.findGeneration(uid, null);
    if (!row) return false;
    return this.write<boolean>({ k: 'upd', uid, gid: null, set: finishedSet(row, patch) });
  }

  /**
   * Marks `pending` rows whose window is gone (pendingRows.ts) as `interrupted`. OpenRouter bills
   * them all the same: they keep their estimate (cost_source 'estimate', never $0) and, with a
   * generation id, wait for the exact figure from /generation. Runs in the window that writes
   * ledger.sqlite (at open, when it takes over, then every minute), so rows are marked once.
   */
  async markInterrupted(now = Date.now(), staleAfterMs = PENDING_STALE_MS): Promise<number> {
    this.interruptedCheckedAt = Date.now();
    let marked = 0;
    for (const { uid, generationId } of orphanedPendingRows(this.ldb, this.writerId, now, staleAfterMs)) {
      if (await this.write<boolean>({ k: 'upd', uid, gid: null, set: interruptedSet(generationId) }).catch(() => false)) marked++;
    }
    if (marked) this.logger.warn(`Marked ${marked} request(s) as interrupted: their window closed or died while the answer was streaming.`);
    return marked;
  }

  private async writeUpdate(ref: GenerationRef, set: ReturnType<typeof normalizePatch>): Promise<boolean> {
    const uid = typeof ref === 'string' ? ref : ref.uid ?? null;
    const gid = typeof ref === 'string' ? null : ref.generationId ?? null;
    let row = this.ldb.findGeneration(uid, gid);
    if (!row) {
      await this.serial(() => this.catchUpOthers());
      row = this.ldb.findGeneration(uid, gid);
    }
    if (!row) return false;
    return this.write<boolean>({ k: 'upd', uid: row.uid, gid: row.generation_id, set });
  }

  async upsertActivity(rows: ActivityRecord[], keyHash?: string | null): Promise<number> {
    const normalized = rows.map((r) => normalizeActivity(r, keyHash));
    return this.write<number>({ k: 'act', at: toIso(Date.now()), rows: normalized });
  }

  async addCreditSnapshot(input: CreditSnapshotInput): Promise<void> {
    await this.write({ k: 'cred', s: normalizeCredit(input) });
  }

  async putModelPrices(models: ModelInfo[], fetchedAt: string | number = Date.now()): Promise<void> {
    const at = parseTimestamp(fetchedAt);
    if (at === undefined) throw new RangeError('fetchedAt must be a date-time');
    await this.write({ k: 'price', at: toIso(at), models });
  }

  getModelPrices(): CachedModelPrice[] {
    return this.ldb
      .all('SELECT info_json, fetched_at FROM model_prices ORDER BY model_id')
      .map(([json, at]) => ({ model: JSON.parse(json as string) as ModelInfo, fetchedAt: at as string }));
  }

  /** Imports a usage.jsonl or audit_log SQLite file in one operation (see ImportReport). */
  async importFile(file: string, options: { skipInvalid?: boolean } = {}): Promise<ImportReport> {
    const parsed = await readImportFile(this.sql, file);
    const base = { format: parsed.format, rejected: parsed.rejected, rejectedCount: parsed.rejectedCount };
    if (parsed.fatal || (parsed.rejectedCount && !options.skipInvalid)) return { ...base, imported: 0, skipped: 0, applied: false };
    const seen = new Set<string>();
    const fresh = parsed.rows.filter((row) => {
      const gid = row.generation_id as string;
      if (seen.has(gid)) return false;
      seen.add(gid);
      return !this.ldb.findGeneration(null, gid);
    });
    const imported = fresh.length ? await this.write<number>({ k: 'gen', rows: fresh }) : 0;
    this.logger.info(`Imported ${imported} of ${parsed.rows.length} records from ${path.basename(file)}.`);
    return { ...base, imported, skipped: parsed.rows.length - imported, applied: true };
  }

  async exportRange(format: ExportFormat, range: TimeRange, outPath: string, options?: ExportOptions): Promise<ExportResult> {
    await this.writer.flush();
    return exportRange(() => this.ldb, this.queries, format, range, outPath, options);
  }

  /**
   * Verifies the ledger on disk — the newest snapshot plus the journals past it, in a separate
   * database (diskVerify.ts), in a child process when `verifyProcess` is set — and names every
   * row that differs; cancellable through `signal`.
   */
  async verify(options: VerifyOptions = {}): Promise<IntegrityReport> {
    await this.writer.flush();
    const script = this.options.verifyProcess;
    if (!script) return verifyOnDisk(this.sql, this.dir, { onProgress: options.onProgress, signal: options.signal, live: this.ldb });
    // Closing the ledger (a window reload) also stops a verification process still running.
    const signal = options.signal ? AbortSignal.any([options.signal, this.closed.signal]) : this.closed.signal;
    const { report, altered } = await verifyInChildProcess(script, { dir: this.dir, wasmPath: this.options.wasmPath }, { ...options, signal });
    return explainAlteredRows(report, altered, this.ldb);
  }

  /**
   * Deletes requests and credit snapshots more than `days` days old (0 keeps everything);
   * OpenRouter's activity history is kept. Returns the number of requests deleted.
   */
  async applyRetention(days: number, now = Date.now()): Promise<number> {
    if (!Number.isFinite(days) || days < 0) throw new RangeError('Retention must be a number of days ≥ 0.');
    if (days === 0) return 0;
    return this.deleteBefore(now - days * DAY_MS, 'retention');
  }

  /**
   * Deletes requests, credit snapshots and (scope `all`, the default) activity days dated before
   * `date`. The deletion is a chain entry, so verify() does not report the rows as removed; the
   * next snapshot is compacted (VACUUM). Returns the number of requests deleted.
   */
  async deleteBefore(date: string | number, scope: DeleteScope = 'all'): Promise<number> {
    const cutoff = parseTimestamp(date);
    if (cutoff === undefined) throw new RangeError(`Not a valid date: ${String(date)}`);
    // A deletion counts in deletedSinceSnapshot, which makes the next snapshot compact the file.
    return this.write<number>({ k: 'del', before: toIso(cutoff), scope });
  }

  /** Applies other windows' new records now (they are also picked up every `pollIntervalMs`). */
  async refresh(): Promise<void> {
    await this.serial(() => this.catchUpOthers());
  }

  /** Waits for pending appends and, in the window that writes ledger.sqlite, saves it now. */
  async flush(): Promise<void> {
    await this.writer.flush();
    await this.serial(async () => {
      if (await this.lock.acquireOrRenew()) await this.snapshots.snapshot();
    });
  }

  /** Flushes, saves (if this window may), releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.closed.abort();
    clearInterval(this.pollTimer);
    this.snapshots.stop();
    await this.writer.close();
    await this.serial(async () => {
      await this.catchUpOthers().catch((err) => this.logger.warn(`Final catch-up failed: ${(err as Error).message}`));
      if (await this.lock.acquireOrRenew()) {
        await this.snapshots.snapshot();
        await this.lock.release();
      }
    });
    this.ldb.close();
  }

  private readonly warn = (warning: LedgerWarning): void => {
    try {
      this.options.onWarning?.(warning);
    } catch (err) {
      this.logger.error(`onWarning handler failed: ${(err as Error).message}`);
    }
  };

  private write<T>(op: LedgerOp): Promise<T> {
    if (this.closing) return Promise.reject(new Error('The ledger is closed.'));
    return this.writer.append<T>(op);
  }

  /** Our records are on disk: apply them (one transaction per group) and note our position. */
  private readonly onOwnDurable = (records: JournalRecord[]): unknown[] => {
    const last = records[records.length - 1];
    const closed = records.some((r) => r.op.k === 'close');
    const results = this.ldb.transaction(() => {
      const out = applyRecords(this.ldb, records, this.logger);
      this.ldb.recordJournalPosition(this.writerId, last.seq, last.end, closed);
      return out;
    });
    this.follower.recordOwn({ seq: last.seq, offset: last.end, closed });
    this.changed();
    return results;
  };

  /** Runs `fn` after every earlier serial task: catch-ups, snapshots and reloads never overlap. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serialQueue.then(fn, fn);
    this.serialQueue = run.catch(() => undefined);
    return run;
  }

  private async tick(): Promise<void> {
    if (this.closing) return;
    try {
      await this.catchUpOthers();
      const wasWriter = this.lock.held;
      const writes = await this.lock.acquireOrRenew();
      if (writes && !wasWriter) this.changed();
      // Another window may have died while this one runs: look for its orphaned rows now and then.
      if (writes && (!wasWriter || Date.now() - this.interruptedCheckedAt > INTERRUPTED_CHECK_MS)) await this.markInterrupted();
    } catch (err) {
      this.logger.warn(`Background ledger work failed: ${(err as Error).message}`);
    }
  }

  private async catchUpOthers(): Promise<void> {
    const result = await this.follower.catchUp(() => this.ldb);
    if (result.vanished.length) {
      await this.reload(`journal(s) ${result.vanished.join(', ')} were compacted before this window had read all of them`);
      return;
    }
    if (!result.writers.length) return;
    this.changed();
    try {
      this.options.onExternalChange?.({ writers: result.writers, kinds: result.kinds });
    } catch (err) {
      this.logger.error(`onExternalChange handler failed: ${(err as Error).message}`);
    }
  }

  /** Replaces the in-memory database by snapshot + journals (own appends wait meanwhile). */
  private async reload(reason: string): Promise<void> {
    const message = `Reloading the ledger: ${reason}.`;
    this.logger.warn(message);
    this.warn({ kind: 'reloaded', message });
    const resume = await this.writer.pause();
    try {
      const follower = new JournalFollower(this.journalDir, this.writerId, this.logger, this.warn, this.options.journalFormatVersion);
      await follower.skipPastCompactions();
      const loaded = await loadDatabase(this.sql, this.dir, this.logger, this.warn);
      follower.reset(loaded.ldb);
      await follower.catchUp(() => loaded.ldb, true);
      const old = this.ldb;
      this.ldb = loaded.ldb;
      this.follower = follower;
      old.close();
      this.changed();
    } finally {
      resume();
    }
  }

  private changed(): void {
    this.snapshots.changed();
  }
}
