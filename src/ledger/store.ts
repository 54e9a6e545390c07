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
 *    damaged snapshot is renamed `ledger.sqlite.corrupt-<time>`, reported through `onWarning`,
 *    and the previous snapshot + journals take its place. A torn last line (a process killed
 *    mid-write) fails its checksum and is skipped with a log line; it was never acknowledged.
 * 5. Journals are deleted only when their writer is finished (closed, or dead on this host), the
 *    older of the two kept snapshots already contains all of them, and they have been idle for
 *    `compactGraceMs` (so every live window has read them). A window that still finds an unread
 *    journal gone reloads from the snapshot, which contains it.
 * 6. Tamper evidence (chain.ts): every insert, update and dated deletion extends a hash chain
 *    stored in the database; `verify()` recomputes it and every row's hash.
 *
 * Costs: a write is O(log n); a snapshot is O(n) but off the write path (it only delays queued
 * appends while `export()` runs, tens of ms per 100k rows); loading is O(n).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ModelInfo } from '../openrouter/types';
import { silentLogger, tagged, type Logger } from '../util/logger';
import type { LedgerDb } from './apply';
import { chainHead, type ChainHead, verifyChain, type IntegrityReport } from './chain';
import { exportRange, type ExportFormat, type ExportOptions, type ExportResult } from './exporter';
import { applyRecords, isWriterDead, JournalFollower, journalFile, newWriterId } from './follow';
import { readImportFile, type ImportFormat, type ImportRejection } from './importer';
import { JournalWriter, type JournalRecord } from './journal';
import { loadDatabase } from './loader';
import { SnapshotLock } from './lock';
import { normalizeGeneration, normalizePatch, parseTimestamp, toIso } from './normalize';
import type { LedgerOp } from './ops';
import { LedgerQueries } from './queries';
import { DAY_MS } from './rollups';
import { SNAPSHOT_FILE, writeHead, writeSnapshot } from './snapshot';
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
  /** Damaged files and other conditions the user should hear about. */
  onWarning?: (warning: LedgerWarning) => void;
  /** Another window's records were applied (refresh views). */
  onExternalChange?: (change: ExternalChange) => void;
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
  private anchor: ChainHead | null = null;
  private follower: JournalFollower;
  private readonly writer: JournalWriter;
  private readonly lock: SnapshotLock;
  private pollTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private firstUnsavedAt: number | undefined;
  private lastChangeAt = 0;
  private lastSnapshotCostMs = 0;
  private vacuumPending = false;
  private lastIncluded: Map<string, number> | undefined;
  private serialQueue: Promise<unknown> = Promise.resolve();
  private closing = false;

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
    this.follower = new JournalFollower(this.journalDir, this.writerId, this.logger, this.warn);
    this.writer = new JournalWriter(journalFile(this.journalDir, this.writerId), this.onOwnDurable, this.logger);
    this.lock = new SnapshotLock(path.join(this.dir, 'ledger.lock'), this.writerId, this.opt.lockStaleMs, this.logger);
  }

  /** @internal Loads the snapshot, replays journals, starts the journal and the poll timer. */
  async open(): Promise<void> {
    await fs.mkdir(this.journalDir, { recursive: true });
    const loaded = await loadDatabase(this.sql, this.dir, this.logger, this.warn);
    this.ldb = loaded.ldb;
    this.anchor = loaded.anchor;
    this.follower.reset(this.ldb);
    const replayed = await this.follower.catchUp(() => this.ldb);
    await this.writer.open();
    if (loaded.source !== SNAPSHOT_FILE || replayed.writers.length) this.changed();
    await this.lock.acquireOrRenew();
    this.scheduleSnapshot();
    this.pollTimer = setInterval(() => void this.serial(() => this.tick()), this.opt.pollIntervalMs);
    this.pollTimer.unref();
    this.logger.info(`Opened (${this.rowCount()} requests; ${this.lock.held ? 'writes' : 'follows'} ledger.sqlite).`);
  }

  get isSnapshotWriter(): boolean {
    return this.lock.held;
  }

  rowCount(): number {
    return this.ldb.all('SELECT COUNT(*) FROM generations')[0][0] as number;
  }

  /** Records one request; resolves with its uid once it is durable (the existing uid for a known generation id). */
  async appendGeneration(input: GenerationInput): Promise<string> {
    const row = normalizeGeneration(input, 'extension');
    const inserted = await this.write<number>({ k: 'gen', rows: [row] });
    if (inserted === 1 || row.generation_id === null) return row.uid;
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
        WHERE backfill = 'pending' ORDER BY ts LIMIT ?`, [limit])
      .map(([uid, gid, ts, model, source]) => ({
        uid: uid as string, generationId: gid as string, ts: ts as string, modelRequested: model as string,
        costSource: source as PendingBackfill['costSource'],
      }));
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

  /** Recomputes the hash chain and every row hash of this window's database. */
  async verify(onProgress?: (done: number, total: number) => void): Promise<IntegrityReport> {
    await this.writer.flush();
    return verifyChain(this.ldb.db, this.anchor, onProgress);
  }

  /** Deletes everything dated more than `days` days ago; 0 keeps everything. Returns deleted requests. */
  async applyRetention(days: number, now = Date.now()): Promise<number> {
    if (!Number.isFinite(days) || days < 0) throw new RangeError('Retention must be a number of days ≥ 0.');
    if (days === 0) return 0;
    return this.deleteBefore(now - days * DAY_MS);
  }

  /** Deletes requests, credit snapshots and activity dated before `date`; the next snapshot is compacted. */
  async deleteBefore(date: string | number): Promise<number> {
    const cutoff = parseTimestamp(date);
    if (cutoff === undefined) throw new RangeError(`Not a valid date: ${String(date)}`);
    const deleted = await this.write<number>({ k: 'del', before: toIso(cutoff) });
    if (deleted > 0) this.vacuumPending = true;
    return deleted;
  }

  /** Waits for pending appends and, in the window that writes ledger.sqlite, saves it now. */
  async flush(): Promise<void> {
    await this.writer.flush();
    await this.serial(async () => {
      if (await this.lock.acquireOrRenew()) await this.snapshot();
    });
  }

  /** Flushes, saves (if this window may), releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.snapshotTimer);
    await this.writer.close();
    await this.serial(async () => {
      await this.catchUpOthers().catch((err) => this.logger.warn(`Final catch-up failed: ${(err as Error).message}`));
      if (await this.lock.acquireOrRenew()) {
        await this.snapshot();
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
      if ((await this.lock.acquireOrRenew()) && !wasWriter) this.changed();
    } catch (err) {
      this.logger.warn(`Background ledger work failed: ${(err as Error).message}`);
    }
  }

  private async catchUpOthers(): Promise<void> {
    const result = await this.follower.catchUp(() => this.ldb);
    if (result.vanished.length) {
      await this.reload(`journal(s) ${result.vanished.join(', ')} were removed before this window had read them`);
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
      const loaded = await loadDatabase(this.sql, this.dir, this.logger, this.warn);
      const follower = new JournalFollower(this.journalDir, this.writerId, this.logger, this.warn);
      follower.reset(loaded.ldb);
      await follower.catchUp(() => loaded.ldb, true);
      const old = this.ldb;
      this.ldb = loaded.ldb;
      this.anchor = loaded.anchor;
      this.follower = follower;
      old.close();
      this.changed();
    } finally {
      resume();
    }
  }

  private changed(): void {
    this.lastChangeAt = Date.now();
    this.firstUnsavedAt ??= this.lastChangeAt;
    this.scheduleSnapshot();
  }

  private scheduleSnapshot(): void {
    if (this.closing || !this.lock.held || this.firstUnsavedAt === undefined) return;
    const maxDelay = Math.max(this.opt.maxSnapshotDelayMs, 10 * this.lastSnapshotCostMs);
    const due = Math.min(this.lastChangeAt + this.opt.snapshotDelayMs, this.firstUnsavedAt + maxDelay);
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => void this.serial(() => this.snapshot()), Math.max(0, due - Date.now()));
    this.snapshotTimer.unref();
  }

  /** Saves ledger.sqlite (lock holder only, inside `serial`), then compacts finished journals. */
  private async snapshot(): Promise<void> {
    if (this.firstUnsavedAt === undefined || !(await this.lock.acquireOrRenew())) return;
    const started = Date.now();
    const snapshotId = randomBytes(8).toString('hex');
    this.ldb.stmt("INSERT INTO meta (key, value) VALUES ('snapshot_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run([snapshotId]);
    if (this.vacuumPending) {
      this.ldb.db.exec('VACUUM');
      this.vacuumPending = false;
    }
    const included = new Map([...this.follower.positions].map(([w, p]) => [w, p.offset]));
    const head = chainHead(this.ldb.db);
    const bytes = this.ldb.exportBytes();
    this.firstUnsavedAt = undefined;
    try {
      await writeSnapshot(this.dir, bytes, this.writerId);
      await writeHead(this.dir, head && { ...head, snapshotId });
    } catch (err) {
      const message = `Could not save ledger.sqlite (${(err as Error).message}); the journals still hold every request, retrying.`;
      this.logger.warn(message);
      this.warn({ kind: 'snapshot-failed', message });
      this.firstUnsavedAt ??= Date.now();
      this.scheduleSnapshot();
      return;
    }
    this.lastSnapshotCostMs = Date.now() - started;
    this.logger.debug(`Saved ledger.sqlite (${bytes.length} bytes) in ${this.lastSnapshotCostMs} ms.`);
    const olderSnapshot = this.lastIncluded;
    this.lastIncluded = included;
    if (olderSnapshot) await this.compactJournals(olderSnapshot);
  }

  /** Deletes finished journals that even the older kept snapshot (ledger.sqlite.prev) contains in full. */
  private async compactJournals(olderSnapshot: Map<string, number>): Promise<void> {
    for (const [writer, includedOffset] of olderSnapshot) {
      const pos = this.follower.positions.get(writer);
      if (writer === this.writerId || !pos || includedOffset < pos.offset) continue;
      if (!pos.closed && !isWriterDead(writer)) continue;
      const file = journalFile(this.journalDir, writer);
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat || Date.now() - stat.mtimeMs < this.opt.compactGraceMs) continue;
      if (!(await this.lock.acquireOrRenew())) return;
      await fs.rm(file, { force: true });
      this.logger.debug(`Compacted journal ${writer} (contained in both snapshots).`);
    }
  }
}
