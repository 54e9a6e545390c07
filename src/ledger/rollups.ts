/**
 * Maintained aggregates that let dashboard queries read thousands of rollup rows instead of a
 * million raw rows. Every insert, update and deletion of a `generations` row adds or subtracts
 * that row's contribution in the same transaction, so the rollups always equal an aggregate of
 * the raw table (tests compare the two).
 *
 * - `roll_hour`: totals per UTC hour: long ranges and whole-hour time zones read these.
 * - `roll_slot`: totals per 15-minute UTC slot. 15 minutes divides every time-zone offset in
 *   use, so the edges of a range and half-hour zones are whole sets of slots.
 * - `roll_day_model` / `roll_month_model`: per UTC day (month) and model, with latency sums
 *   (mean, stdev) and a log-bucketed latency histogram (percentiles within ±4.5%, see
 *   histogram.ts). Months let a year-long range read hundreds of rows instead of thousands.
 * - `roll_day_dim`: per UTC day, requests/cost by user, by workspace + git branch, by chat
 *   session, by tag (a request with several tags counts for each), and error counts by model +
 *   error type.
 */
import type { Database, SqlValue, Statement } from './sqljs';
import { decodeHistogram, encodeHistogram, latencyBucket } from './histogram';
import { ERROR_STATUSES, nanosToUsd, toNanos } from './normalize';
import type { StoredGeneration } from './types';
import { HOUR_MS } from '../util/time';

export const SLOT_MS = 15 * 60_000;
export { DAY_MS, HOUR_MS } from '../util/time';

/** The columns a row's contribution depends on. */
export type RollupSource = Pick<
  StoredGeneration,
  | 'ts' | 'model_used' | 'model_requested' | 'status' | 'prompt_tokens' | 'completion_tokens'
  | 'reasoning_tokens' | 'cached_tokens' | 'total_cost' | 'latency_ms' | 'user_id' | 'workspace'
  | 'git_branch' | 'error_code' | 'http_status' | 'chat_session' | 'tags'
>;

export const ROLLUP_SOURCE_COLUMNS = [
  'ts', 'model_used', 'model_requested', 'status', 'prompt_tokens', 'completion_tokens',
  'reasoning_tokens', 'cached_tokens', 'total_cost', 'latency_ms', 'user_id', 'workspace',
  'git_branch', 'error_code', 'http_status', 'chat_session', 'tags',
] as const satisfies readonly (keyof RollupSource)[];

/**
 * The tags a row is counted under: the text elements of its JSON list, repeats included — what
 * `json_each` yields for the same row in queryParts.DIMENSION_SQL.tag.
 */
export function tagValues(tags: string | null): string[] {
  if (tags === null) return [];
  try {
    const list: unknown = JSON.parse(tags);
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export function isErrorStatus(status: string): boolean {
  return (ERROR_STATUSES as readonly string[]).includes(status);
}

/** How errors are grouped: the error code if known, else the HTTP status, else the status. */
export function errorType(row: Pick<RollupSource, 'error_code' | 'http_status' | 'status'>): string {
  return row.error_code ?? (row.http_status != null ? `HTTP ${row.http_status}` : row.status);
}

export function modelKey(row: Pick<RollupSource, 'model_used' | 'model_requested'>): string {
  return row.model_used ?? row.model_requested;
}

interface Totals {
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  reasoning: number;
  cached: number;
  /** Nano-dollars. */
  cost: number;
  latN: number;
  latSum: number;
  latSumSq: number;
  hist: Map<number, number>;
}

const emptyTotals = (): Totals => ({
  requests: 0, errors: 0, prompt: 0, completion: 0, reasoning: 0, cached: 0, cost: 0,
  latN: 0, latSum: 0, latSumSq: 0, hist: new Map(),
});

/** Contributions of a set of rows, added (sign 1) or removed (sign −1), ready to be written. */
export class RollupDelta {
  readonly slots = new Map<number, Totals>();
  readonly hours = new Map<number, Totals>();
  /** Keyed by JSON [table, period, model]. */
  readonly models = new Map<string, Totals>();
  readonly dims = new Map<string, Totals>();

  add(row: RollupSource, sign: 1 | -1): void {
    const ms = Date.parse(row.ts);
    const day = row.ts.slice(0, 10);
    const model = modelKey(row);
    const isError = isErrorStatus(row.status);
    const latency = row.status === 'success' ? row.latency_ms : null;
    // Whole nano-dollars: every rollup's cost is an integer sum, so adding and removing rows cannot drift.
    const cost = row.total_cost === null ? 0 : toNanos(row.total_cost);
    const apply = (t: Totals, withLatency: boolean) => {
      t.requests += sign;
      t.errors += isError ? sign : 0;
      t.prompt += sign * (row.prompt_tokens ?? 0);
      t.completion += sign * (row.completion_tokens ?? 0);
      t.reasoning += sign * (row.reasoning_tokens ?? 0);
      t.cached += sign * (row.cached_tokens ?? 0);
      t.cost += sign * cost;
      if (withLatency && latency != null) {
        t.latN += sign;
        t.latSum += sign * latency;
        t.latSumSq += sign * latency * latency;
        const b = latencyBucket(latency);
        t.hist.set(b, (t.hist.get(b) ?? 0) + sign);
      }
    };
    apply(entry(this.slots, Math.floor(ms / SLOT_MS)), true);
    apply(entry(this.hours, Math.floor(ms / HOUR_MS)), true);
    apply(entry(this.models, JSON.stringify(['day', day, model])), true);
    apply(entry(this.models, JSON.stringify(['month', day.slice(0, 7), model])), true);
    apply(entry(this.dims, JSON.stringify([day, 'user', row.user_id ?? '', ''])), false);
    apply(entry(this.dims, JSON.stringify([day, 'wsb', row.workspace ?? '', row.git_branch ?? ''])), false);
    apply(entry(this.dims, JSON.stringify([day, 'ses', row.chat_session ?? '', ''])), false);
    for (const tag of tagValues(row.tags)) apply(entry(this.dims, JSON.stringify([day, 'tag', tag, ''])), false);
    if (isError) apply(entry(this.dims, JSON.stringify([day, 'err', model, errorType(row)])), false);
  }

  get isEmpty(): boolean {
    return this.slots.size === 0;
  }
}

function entry<K>(map: Map<K, Totals>, key: K): Totals {
  let t = map.get(key);
  if (!t) map.set(key, (t = emptyTotals()));
  return t;
}

const SUMS = `requests = requests + excluded.requests, errors = errors + excluded.errors`;
const TOKEN_SUMS = `prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
  cached_tokens = cached_tokens + excluded.cached_tokens, cost = cost + excluded.cost,
  latency_n = latency_n + excluded.latency_n, latency_sum = latency_sum + excluded.latency_sum`;

/** Statements of roll_day_model / roll_month_model (`period` is the table's day or month column). */
function modelSql(period: 'day' | 'month') {
  return {
    hist: `SELECT latency_hist FROM roll_${period}_model WHERE ${period} = ? AND model = ?`,
    upsert: `INSERT INTO roll_${period}_model VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (${period}, model) DO UPDATE SET ${SUMS}, ${TOKEN_SUMS},
      latency_sumsq = latency_sumsq + excluded.latency_sumsq, latency_hist = excluded.latency_hist`,
    prune: `DELETE FROM roll_${period}_model WHERE ${period} = ? AND model = ? AND requests <= 0`,
  };
}

export const ROLLUP_SQL = {
  slot: `INSERT INTO roll_slot VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (slot) DO UPDATE SET ${SUMS}, ${TOKEN_SUMS}`,
  slotPrune: 'DELETE FROM roll_slot WHERE slot = ? AND requests <= 0',
  hour: `INSERT INTO roll_hour VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (hour) DO UPDATE SET ${SUMS}, ${TOKEN_SUMS}`,
  hourPrune: 'DELETE FROM roll_hour WHERE hour = ? AND requests <= 0',
  day: modelSql('day'),
  month: modelSql('month'),
  dim: `INSERT INTO roll_day_dim VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (day, dim, k1, k2) DO UPDATE SET ${SUMS},
    tokens = tokens + excluded.tokens, cost = cost + excluded.cost`,
  dimPrune: 'DELETE FROM roll_day_dim WHERE day = ? AND dim = ? AND k1 = ? AND k2 = ? AND requests <= 0',
} as const;

type StatementSource = (sql: string) => Statement;

/** Parsed histograms of recently written (day, model) rows; bounded, so it cannot grow with the ledger. */
const HISTOGRAM_CACHE_LIMIT = 512;

/**
 * Writes a delta into the rollup tables (inside the caller's transaction). `histograms` caches
 * the stored histograms by key; the caller must clear it whenever the rows may have changed
 * behind it (rollback, deletions).
 */
export function writeRollupDelta(stmt: StatementSource, delta: RollupDelta, histograms = new Map<string, Uint32Array>()): void {
  const removed = (t: Totals) => t.requests < 0;
  const totals = (t: Totals) => [t.requests, t.errors, t.prompt, t.completion, t.reasoning, t.cached, t.cost, t.latN, t.latSum];
  for (const [slot, t] of delta.slots) {
    stmt(ROLLUP_SQL.slot).run([slot, ...totals(t)]);
    if (removed(t)) stmt(ROLLUP_SQL.slotPrune).run([slot]);
  }
  for (const [hour, t] of delta.hours) {
    stmt(ROLLUP_SQL.hour).run([hour, ...totals(t)]);
    if (removed(t)) stmt(ROLLUP_SQL.hourPrune).run([hour]);
  }
  for (const [key, t] of delta.models) {
    const [table, period, model] = JSON.parse(key) as ['day' | 'month', string, string];
    const sql = ROLLUP_SQL[table];
    let hist = histograms.get(key);
    if (!hist) {
      const read = stmt(sql.hist);
      read.bind([period, model]);
      hist = decodeHistogram(read.step() ? (read.get()[0] as Uint8Array) : null);
      read.reset();
      if (histograms.size >= HISTOGRAM_CACHE_LIMIT) histograms.clear();
      histograms.set(key, hist);
    }
    for (const [b, n] of t.hist) hist[b] = Math.max(0, hist[b] + n);
    stmt(sql.upsert).run([period, model, ...totals(t), t.latSumSq, encodeHistogram(hist)]);
    if (removed(t)) {
      stmt(sql.prune).run([period, model]);
      histograms.delete(key);
    }
  }
  for (const [key, t] of delta.dims) {
    const [day, dim, k1, k2] = JSON.parse(key) as [string, string, string, string];
    stmt(ROLLUP_SQL.dim).run([day, dim, k1, k2, t.requests, t.errors, t.prompt + t.completion, t.cost]);
    if (removed(t)) stmt(ROLLUP_SQL.dimPrune).run([day, dim, k1, k2]);
  }
}

/**
 * Removes from each month row what its day rows in [fromDay, toDay) hold (sums and histograms):
 * used before those day rows are deleted, so the month keeps only the days that remain.
 */
export function subtractDaysFromMonths(stmt: StatementSource, all: (sql: string, params: SqlValue[]) => SqlValue[][], fromDay: string, toDay: string): void {
  for (const [month, model, ...v] of all(`SELECT substr(day, 1, 7), model, SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens),
      SUM(reasoning_tokens), SUM(cached_tokens), TOTAL(cost), SUM(latency_n), SUM(latency_sum), SUM(latency_sumsq)
      FROM roll_day_model WHERE day >= ? AND day < ? GROUP BY 1, 2`, [fromDay, toDay])) {
    const hist = decodeHistogram(all(ROLLUP_SQL.month.hist, [month, model])[0]?.[0] as Uint8Array | undefined);
    for (const [blob] of all('SELECT latency_hist FROM roll_day_model WHERE day >= ? AND day < ? AND model = ?', [fromDay, toDay, model])) {
      const day = decodeHistogram(blob as Uint8Array);
      for (let b = 0; b < hist.length; b++) hist[b] = Math.max(0, hist[b] - day[b]);
    }
    stmt(ROLLUP_SQL.month.upsert).run([month, model, ...v.map((x) => -(x as number)), encodeHistogram(hist)]);
    stmt(ROLLUP_SQL.month.prune).run([month, model]);
  }
}

/**
 * Reads the rollup-relevant columns of the rows matching `where` (the caller's parameters), money
 * back in USD. Costs are read as nano-dollars (schema ≥ 5): rollups an older migration builds from
 * USD rows are wrong, and v5 rebuilds them all after converting the rows.
 */
export function readRollupSources(db: Database, where: string, params: (string | number)[], onRow: (row: RollupSource) => void): void {
  const stmt = db.prepare(`SELECT ${ROLLUP_SOURCE_COLUMNS.join(', ')} FROM generations ${where}`);
  try {
    stmt.bind(params);
    while (stmt.step()) {
      const v = stmt.get();
      const row = {} as Record<string, unknown>;
      ROLLUP_SOURCE_COLUMNS.forEach((c, i) => (row[c] = v[i]));
      if (typeof row.total_cost === 'number') row.total_cost = nanosToUsd(row.total_cost);
      onRow(row as RollupSource);
    }
  } finally {
    stmt.free();
  }
}

/** Recomputes every rollup from the raw rows (migration, bulk load). Caller holds a transaction. */
export function rebuildRollups(db: Database): void {
  db.exec('DELETE FROM roll_slot; DELETE FROM roll_hour; DELETE FROM roll_day_model; DELETE FROM roll_month_model; DELETE FROM roll_day_dim;');
  const delta = new RollupDelta();
  readRollupSources(db, '', [], (row) => delta.add(row, 1));
  const statements = new Map<string, Statement>();
  const stmt = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  try {
    writeRollupDelta(stmt, delta);
  } finally {
    for (const s of statements.values()) s.free();
  }
}
