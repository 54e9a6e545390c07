/**
 * Applies journal operations to one in-memory sql.js database: rows, chain entries and rollups
 * change together inside the caller's transaction. Pure database work; no files.
 */
import type { ModelInfo } from '../openrouter/types';
import { appendChainEntry, ChainKind, readRawHead, type RawHead } from './chain';
import { GENERATION_COLUMNS, rowFromStored, rowHash, rowValues, toNanos } from './normalize';
import { PACKED_COLUMNS, PACKED_TABLE, RowPacker, UNUSED_STRINGS_SQL } from './packedRows';
import type { DeleteScope, LedgerOp } from './ops';
import { DAY_MS, HOUR_MS, readRollupSources, RollupDelta, SLOT_MS, subtractDaysFromMonths, writeRollupDelta } from './rollups';
import type { Database, SqlValue, Statement } from './sqljs';
import type { ActivityRecord, CreditSnapshot, StoredGeneration } from './types';

const INSERT_GENERATION = `INSERT INTO ${PACKED_TABLE} (${PACKED_COLUMNS.join(', ')})
  VALUES (${PACKED_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;
const SELECT_BY_UID = `SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations WHERE uid = ?`;
const SELECT_BY_GID = `SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations WHERE generation_id = ?`;
const UPDATE_GENERATION = `UPDATE ${PACKED_TABLE} SET ${PACKED_COLUMNS.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE uid = ?`;
const UPSERT_ACTIVITY = `INSERT INTO activity_daily (date, model, model_permaslug, endpoint_id, provider_name, usage,
  byok_usage_inference, requests, prompt_tokens, completion_tokens, reasoning_tokens, workspace_id, key_hash, updated_at)
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
  ON CONFLICT (date, model_permaslug, endpoint_id, key_hash) DO UPDATE SET model = excluded.model,
  provider_name = excluded.provider_name, usage = excluded.usage, byok_usage_inference = excluded.byok_usage_inference,
  requests = excluded.requests, prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
  reasoning_tokens = excluded.reasoning_tokens, workspace_id = excluded.workspace_id, updated_at = excluded.updated_at`;
const INSERT_CREDIT = `INSERT INTO credit_snapshots (ts, key_label, credit_limit, limit_remaining, usage, usage_daily,
  usage_weekly, usage_monthly, byok_usage, total_credits, total_usage) VALUES (?,?,?,?,?,?,?,?,?,?,?)`;
const UPSERT_PRICE = `INSERT INTO model_prices (model_id, info_json, fetched_at) VALUES (?,?,?)
  ON CONFLICT (model_id) DO UPDATE SET info_json = excluded.info_json, fetched_at = excluded.fetched_at`;
const DEFER_UPDATE = 'INSERT INTO deferred_updates (uid, generation_id, set_json) VALUES (?,?,?)';
const DEFERRED_FOR = 'SELECT id, set_json FROM deferred_updates WHERE uid = ? OR generation_id = ? ORDER BY id';
const DROP_DEFERRED = 'DELETE FROM deferred_updates WHERE id = ?';
const UPSERT_JOURNAL_STATE = `INSERT INTO journal_state (writer_id, seq, byte_offset, closed) VALUES (?,?,?,?)
  ON CONFLICT (writer_id) DO UPDATE SET seq = excluded.seq, byte_offset = excluded.byte_offset,
  closed = max(closed, excluded.closed)`;

const INSERT_OWNER = 'INSERT INTO pending_owner (uid, writer_id) VALUES (?, ?) ON CONFLICT (uid) DO NOTHING';
const DROP_OWNER = 'DELETE FROM pending_owner WHERE uid = ?';

const PRAGMAS = 'PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;';

/**
 * A database plus its prepared-statement cache and small caches of state the write path would
 * otherwise re-read per row (chain head, deferred-update count, latency histograms). Any
 * rollback drops those caches.
 */
export class LedgerDb {
  private readonly statements = new Map<string, Statement>();
  private head: RawHead | undefined;
  private deferred: number | undefined;
  private readonly histograms = new Map<string, Uint32Array>();
  private readonly packer: RowPacker;
  /**
   * Requests deleted (retention, "delete before") since this database was loaded or last saved:
   * the only reason a new snapshot may hold fewer rows than the one it replaces.
   */
  deletedSinceSnapshot = 0;

  constructor(readonly db: Database) {
    db.exec(PRAGMAS);
    this.packer = new RowPacker(this.stmt);
  }

  readonly stmt = (sql: string): Statement => {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  };

  transaction<T>(fn: () => T): T {
    this.stmt('BEGIN').run();
    try {
      const result = fn();
      this.stmt('COMMIT').run();
      return result;
    } catch (err) {
      this.stmt('ROLLBACK').run();
      this.dropCaches();
      throw err;
    }
  }

  /** Runs `fn` so that, if it throws, only its own changes are undone (inside a transaction). */
  savepoint<T>(fn: () => T): T {
    this.stmt('SAVEPOINT op').run();
    try {
      const result = fn();
      this.stmt('RELEASE op').run();
      return result;
    } catch (err) {
      this.stmt('ROLLBACK TO op').run();
      this.stmt('RELEASE op').run();
      this.dropCaches();
      throw err;
    }
  }

  private dropCaches(): void {
    this.head = undefined;
    this.deferred = undefined;
    this.histograms.clear();
    this.packer.clear();
  }

  private appendChain(kind: Parameters<typeof appendChainEntry>[2], uid: string | null, tsMs: number | null, hash: Uint8Array | null): void {
    this.head = appendChainEntry(this.stmt, this.head === undefined ? readRawHead(this.stmt) : this.head, kind, uid, tsMs, hash);
  }

  /** Runs a read query through the cache and returns all rows. */
  all(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      const rows: SqlValue[][] = [];
      while (s.step()) rows.push(s.get());
      return rows;
    } finally {
      s.reset();
    }
  }

  /**
   * The file image. sql.js ≥ 1.13 exports through the backup API and keeps the connection;
   * older versions closed and reopened it, freeing statements and resetting PRAGMAs. Starting a
   * fresh statement cache and re-applying the PRAGMAs is cheap and correct for both.
   */
  exportBytes(): Uint8Array {
    const bytes = this.db.export();
    this.statements.clear();
    this.dropCaches();
    this.db.exec(PRAGMAS);
    return bytes;
  }

  close(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.db.close();
  }

  /** Applies one operation (caller holds a transaction); returns what the appender sees. */
  apply(op: LedgerOp): unknown {
    switch (op.k) {
      case 'gen':
        return this.insertGenerations(op.rows, op.owner);
      case 'upd':
        return this.updateGeneration(op.uid, op.gid, op.set);
      case 'act':
        return this.upsertActivity(op.rows, op.at);
      case 'cred':
        return this.insertCredit(op.s);
      case 'price':
        return this.upsertPrices(op.models, op.at);
      case 'del':
        return this.deleteBefore(op.before, op.scope);
      case 'close':
        return undefined;
    }
  }

  recordJournalPosition(writerId: string, seq: number, offset: number, closed: boolean): void {
    this.stmt(UPSERT_JOURNAL_STATE).run([writerId, seq, offset, closed ? 1 : 0]);
  }

  /** Inserts rows not yet present (by uid or generation id); returns how many were new. */
  insertGenerations(rows: StoredGeneration[], owner?: string): number {
    const delta = new RollupDelta();
    const inserted: StoredGeneration[] = [];
    const insert = this.stmt(INSERT_GENERATION);
    for (const row of rows) {
      const values = rowValues(row);
      insert.run(this.packer.pack(values));
      if (this.db.getRowsModified() !== 1) continue;
      inserted.push(row);
      if (owner !== undefined && row.status === 'pending') this.stmt(INSERT_OWNER).run([row.uid, owner]);
      this.appendChain(ChainKind.insert, row.uid, Date.parse(row.ts), rowHash(values));
      delta.add(row, 1);
    }
    if (!delta.isEmpty) writeRollupDelta(this.stmt, delta, this.histograms);
    this.deferred ??= this.all('SELECT COUNT(*) FROM deferred_updates')[0][0] as number;
    if (this.deferred > 0) for (const row of inserted) this.applyDeferredUpdates(row);
    return inserted.length;
  }

  /**
   * Another window may have refined a row before this database received the row itself (journals
   * are read one after another); such updates wait in `deferred_updates` until the row arrives.
   */
  private applyDeferredUpdates(row: StoredGeneration): void {
    for (const [id, json] of this.all(DEFERRED_FOR, [row.uid, row.generation_id])) {
      this.stmt(DROP_DEFERRED).run([id]);
      this.deferred = (this.deferred ?? 1) - 1;
      this.updateGeneration(row.uid, row.generation_id, JSON.parse(json as string));
    }
  }

  findGeneration(uid: string | null, gid: string | null): StoredGeneration | undefined {
    const lookups: [string, string | null][] = [[SELECT_BY_UID, uid], [SELECT_BY_GID, gid]];
    for (const [sql, key] of lookups) {
      if (key === null) continue;
      const row = this.all(sql, [key])[0];
      if (row) return rowFromStored(row);
    }
    return undefined;
  }

  /** Applies `set` to the row; false if nothing changed or the row has not arrived yet (deferred). */
  updateGeneration(uid: string | null, gid: string | null, set: Partial<StoredGeneration>): boolean {
    const before = this.findGeneration(uid, gid);
    if (!before) {
      this.stmt(DEFER_UPDATE).run([uid, gid, JSON.stringify(set)]);
      if (this.deferred !== undefined) this.deferred++;
      return false;
    }
    const after: StoredGeneration = { ...before };
    for (const c of GENERATION_COLUMNS) {
      if (c !== 'uid' && c !== 'generation_id' && c !== 'ts' && c !== 'origin' && Object.prototype.hasOwnProperty.call(set, c)) {
        (after as unknown as Record<string, unknown>)[c] = set[c];
      }
    }
    // A request's generation id arrives after its row was written; it is set once, never changed,
    // and never taken from another row (the UNIQUE index would refuse the record forever).
    if (before.generation_id === null && typeof set.generation_id === 'string' && !this.findGeneration(null, set.generation_id)) {
      after.generation_id = set.generation_id;
    }
    const values = rowValues(after);
    if (values.every((v, i) => v === rowValues(before)[i])) return false;
    this.stmt(UPDATE_GENERATION).run([...this.packer.pack(values).slice(1), after.uid]);
    if (before.status === 'pending' && after.status !== 'pending') this.stmt(DROP_OWNER).run([after.uid]);
    this.appendChain(ChainKind.update, after.uid, Date.parse(after.ts), rowHash(values));
    const delta = new RollupDelta();
    delta.add(before, -1);
    delta.add(after, 1);
    writeRollupDelta(this.stmt, delta, this.histograms);
    return true;
  }

  /**
   * Deletes requests and credit snapshots dated before `beforeIso` (and activity days, for scope
   * `all`), keeping the rollups exact: rollup rows wholly before the cutoff go, rows straddling
   * it lose the contributions of the deleted requests. Returns the number of requests deleted.
   */
  deleteBefore(beforeIso: string, scope: DeleteScope): number {
    const cutoff = Date.parse(beforeIso);
    const dayStart = Math.floor(cutoff / DAY_MS) * DAY_MS;
    const delta = new RollupDelta();
    readRollupSources(this.db, 'WHERE ts_ms >= ? AND ts_ms < ?', [dayStart, cutoff], (row) => delta.add(row, -1));
    this.histograms.clear();
    writeRollupDelta(this.stmt, delta, this.histograms);
    this.histograms.clear();
    const cutoffDay = new Date(cutoff).toISOString().slice(0, 10);
    subtractDaysFromMonths(this.stmt, (sql, params) => this.all(sql, params), `${cutoffDay.slice(0, 7)}-01`, cutoffDay);
    this.db.run('DELETE FROM roll_slot WHERE slot < ?', [Math.floor(dayStart / SLOT_MS)]);
    this.db.run('DELETE FROM roll_hour WHERE hour < ?', [Math.floor(dayStart / HOUR_MS)]);
    this.db.run('DELETE FROM roll_day_model WHERE day < ?', [cutoffDay]);
    this.db.run('DELETE FROM roll_month_model WHERE month < ?', [cutoffDay.slice(0, 7)]);
    this.db.run('DELETE FROM roll_day_dim WHERE day < ?', [cutoffDay]);
    this.db.run(`DELETE FROM ${PACKED_TABLE} WHERE ts_ms < ?`, [cutoff]);
    const deleted = this.db.getRowsModified();
    this.deletedSinceSnapshot += deleted;
    this.db.run('DELETE FROM pending_owner WHERE uid NOT IN (SELECT uid FROM generations)');
    this.db.run('DELETE FROM credit_snapshots WHERE ts < ?', [beforeIso]);
    if (scope === 'all') this.db.run('DELETE FROM activity_daily WHERE date < ?', [cutoffDay]);
    this.appendChain(ChainKind.deleteBefore, null, cutoff, null);
    return deleted;
  }

  /** Drops the shared text of deleted rows (packedRows.UNUSED_STRINGS_SQL); returns how many strings went. */
  pruneUnusedText(): number {
    this.db.run(UNUSED_STRINGS_SQL);
    const removed = this.db.getRowsModified();
    this.packer.clear();
    return removed;
  }

  upsertActivity(rows: ActivityRecord[], at: string): number {
    const s = this.stmt(UPSERT_ACTIVITY);
    for (const r of rows) {
      s.run([
        r.date, r.model, r.modelPermaslug, r.endpointId, r.providerName, toNanos(r.usage), toNanos(r.byokUsageInference), r.requests,
        r.promptTokens, r.completionTokens, r.reasoningTokens, r.workspaceId, r.keyHash ?? '', at,
      ]);
    }
    return rows.length;
  }

  insertCredit(s: CreditSnapshot): number {
    this.stmt(INSERT_CREDIT).run([
      s.ts, s.keyLabel, s.limit, s.limitRemaining, s.usage, s.usageDaily, s.usageWeekly, s.usageMonthly, s.byokUsage,
      s.totalCredits, s.totalUsage,
    ]);
    return 1;
  }

  upsertPrices(models: ModelInfo[], at: string): number {
    const s = this.stmt(UPSERT_PRICE);
    for (const m of models) s.run([m.id, JSON.stringify(m), at]);
    return models.length;
  }
}
