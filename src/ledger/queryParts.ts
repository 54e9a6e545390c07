/**
 * The building blocks of the queries: how a time range is covered by rollup rows (whole hours,
 * whole 15-minute slots, whole UTC days) plus raw rows for what is left at its ends, how a
 * time-zone range splits into pieces of constant offset, and the shared SQL fragments and
 * result shapes.
 */
import { nanosToUsd } from './normalize';
import { code, PACKED_TABLE, unpackSql } from './packedRows';
import { DAY_MS, HOUR_MS, SLOT_MS } from './rollups';
import type { SqlValue } from './sqljs';
import type { OffsetAt, ResolvedRange } from './timeZone';

export interface Totals {
  requests: number;
  /** Requests that ended in `error` or `timeout` (a cancel is not a failure). */
  errors: number;
  errorRate: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  /** prompt + completion (reasoning and cached tokens are parts of those). */
  totalTokens: number;
  /** USD of the requests whose cost is known; see `uncosted` for the others. */
  cost: number;
  avgCostPerRequest: number | null;
  /**
   * Requests possibly billed whose cost is not known (yet): `cost` is then a lower bound. Counted
   * from raw rows (UNCOSTED_WHERE) by `summary` and `budgetTotals` only; absent elsewhere.
   */
  uncosted?: number;
}

/**
 * Rows OpenRouter may have billed with no cost recorded: a generation id is known, or the call got
 * far enough (success, still pending, interrupted) to be billed. Errors and cancels before any id
 * cost nothing.
 */
export const UNCOSTED_WHERE = `total_cost IS NULL AND (generation_id IS NOT NULL
  OR status_code IN (${code('status', 'success')}, ${code('status', 'pending')}, ${code('status', 'interrupted')}))`;

/**
 * A partial index `ON generations_packed (ts_ms) WHERE total_cost IS NULL` under this name makes counting
 * UNCOSTED_WHERE cost O(rows without a cost) instead of O(rows in the range): SQLite picks it for
 * the count by itself, and the CLI's file reader scans it when the file has it.
 */
export const UNCOSTED_INDEX = 'idx_generations_uncosted';

/** UNCOSTED_WHERE for one row in JS (readers of the file without SQL). */
export function isUncosted(row: { total_cost: number | null; generation_id: string | null; status: string }): boolean {
  return row.total_cost === null && (row.generation_id !== null || row.status === 'success' || row.status === 'pending' || row.status === 'interrupted');
}

export type Row = SqlValue[];
export const num = (v: unknown) => (typeof v === 'number' ? v : 0);

export function emptyTotals(): Totals {
  return {
    requests: 0, errors: 0, errorRate: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, cachedTokens: 0,
    totalTokens: 0, cost: 0, avgCostPerRequest: null,
  };
}

/**
 * Adds [requests, errors, prompt, completion, reasoning, cached, cost] starting at `v[at]`. Until
 * `finish`, `cost` holds whole nano-dollars (as stored), so adding pieces is exact.
 */
export function addCounts<T extends Totals>(t: T, v: Row, at = 0): T {
  t.requests += num(v[at]);
  t.errors += num(v[at + 1]);
  t.promptTokens += num(v[at + 2]);
  t.completionTokens += num(v[at + 3]);
  t.reasoningTokens += num(v[at + 4]);
  t.cachedTokens += num(v[at + 5]);
  t.cost += num(v[at + 6]);
  return t;
}

/** Completes totals built by `addCounts`: derived fields, and `cost` from nano-dollars to USD. */
export function finish<T extends Totals>(t: T): T {
  t.cost = nanosToUsd(t.cost);
  t.totalTokens = t.promptTokens + t.completionTokens;
  t.errorRate = t.requests ? t.errors / t.requests : 0;
  t.avgCostPerRequest = t.requests ? t.cost / t.requests : null;
  return t;
}

/*
 * Aggregates over raw rows read the packed table (packedRows.ts), not the view: statuses compare
 * as codes and rows group by the numbers of their text, so no row's text is decoded; only each
 * group's key is (`textOf`, evaluated once per group). Every fragment below is on the packed table.
 */
const ERROR_CODES = `(${code('status', 'error')}, ${code('status', 'timeout')})`;
/** The text a `strings` id stands for. */
export const textOf = (ref: string) => `(SELECT value FROM strings WHERE id = ${ref})`;

// Money sums use TOTAL, not SUM: SQLite's integer SUM fails with "integer overflow" past 2^63
// nano-dollars, while TOTAL's double is exact up to 2^53 — all a JS number holds anyway.
export const RAW_COUNTS = `COUNT(*), SUM(CASE WHEN status_code IN ${ERROR_CODES} THEN 1 ELSE 0 END), TOTAL(prompt_tokens),
  TOTAL(completion_tokens), TOTAL(reasoning_tokens), TOTAL(cached_tokens), TOTAL(total_cost)`;
export const ROLL_COUNTS = 'SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens), SUM(reasoning_tokens), SUM(cached_tokens), TOTAL(cost)';
/** The model a row counts under (rollups.modelKey), as a `strings` id: group by this, show `textOf(MODEL_REF)`. */
export const MODEL_REF = 'COALESCE(model_used_ref, model_requested_ref)';
export const SUCCESS = `status_code = ${code('status', 'success')}`;
export const FROM_EXTENSION = `origin_code = ${code('origin', 'extension')}`;
const SUCCESS_LATENCY = `CASE WHEN ${SUCCESS} THEN latency_ms END`;
export const RAW_LATENCY_SUMS = `COUNT(${SUCCESS_LATENCY}), TOTAL(${SUCCESS_LATENCY}), TOTAL(${SUCCESS_LATENCY} * ${SUCCESS_LATENCY})`;
/** rollups.errorType: the error code, else the HTTP status, else the status word. */
const ERROR_TYPE = `COALESCE(${textOf('error_code_ref')}, CASE WHEN http_status IS NOT NULL THEN 'HTTP ' || http_status ELSE ${unpackSql('status')} END)`;
export type Dimension = 'user' | 'wsb' | 'ses' | 'tag' | 'err';
/**
 * The raw-row equivalent of each `roll_day_dim` dimension (must match rollups.RollupDelta.add):
 * the two keys shown, what rows group by, and which rows count.
 */
export const DIMENSION_SQL: Record<Dimension, { keys: string; groupBy: string; where: string; from?: string }> = {
  user: { keys: `COALESCE(${textOf('user_id_ref')}, ''), ''`, groupBy: 'user_id_ref', where: '' },
  wsb: { keys: `COALESCE(${textOf('workspace_ref')}, ''), COALESCE(${textOf('git_branch_ref')}, '')`, groupBy: 'workspace_ref, git_branch_ref', where: '' },
  ses: { keys: `COALESCE(${textOf('chat_session_ref')}, ''), ''`, groupBy: 'chat_session_ref', where: '' },
  tag: {
    keys: `t.value, ''`,
    groupBy: 't.value',
    from: `${PACKED_TABLE} AS g, json_each(g.tags) AS t`,
    where: `AND g.tags IS NOT NULL AND json_valid(g.tags) AND json_type(g.tags) = 'array' AND t.type = 'text'`,
  },
  err: { keys: `${textOf(MODEL_REF)}, ${ERROR_TYPE}`, groupBy: `${MODEL_REF}, error_code_ref, http_status, status_code`, where: `AND status_code IN ${ERROR_CODES}` },
};

/** A range end as an SQL bound on `ts_ms` (epoch ms); open ends become bounds beyond any timestamp. */
export const msBound = (ms: number) => (ms === -Infinity ? -1 : ms === Infinity ? Number.MAX_SAFE_INTEGER : ms);

export const MIN_ISO = '';
export const MAX_ISO = '\uffff';
export const iso = (ms: number) => (ms === -Infinity ? MIN_ISO : ms === Infinity ? MAX_ISO : new Date(ms).toISOString());
/** A unit index for SQL; unbounded ends become numbers beyond any real index. */
export const unitIndex = (i: number) => (Number.isFinite(i) ? i : i < 0 ? -1e15 : 1e15);
export const dayKey = (index: number) => (Number.isFinite(index) ? new Date(index * DAY_MS).toISOString().slice(0, 10) : index < 0 ? MIN_ISO : MAX_ISO);

/**
 * Whole units inside a range (as unit indices [first, last)), and the partial pieces at its
 * ends — each piece inside a single unit.
 */
export function split(r: ResolvedRange, unit: number): { full: [number, number] | null; edges: [number, number][] } {
  const first = r.from === -Infinity ? -Infinity : Math.ceil(r.from / unit);
  const last = r.to === Infinity ? Infinity : Math.floor(r.to / unit);
  if (first > last) return { full: null, edges: r.from < r.to ? [[r.from, r.to]] : [] };
  if (first === last) return { full: null, edges: ([[r.from, first * unit], [first * unit, r.to]] as [number, number][]).filter(([a, b]) => a < b) };
  const edges: [number, number][] = [];
  if (r.from !== -Infinity && r.from < first * unit) edges.push([r.from, first * unit]);
  if (r.to !== Infinity && last * unit < r.to) edges.push([last * unit, r.to]);
  return { full: [first, last], edges };
}

/** Start of the UTC month `months` after the one containing `ms`. */
function monthStart(ms: number, months = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/**
 * Covers a range with whole UTC months (as 'YYYY-MM' bounds, upper exclusive), whole UTC days
 * (as 'YYYY-MM-DD' bounds) in the partial months, and raw pieces inside single days.
 */
export function calendarPieces(r: ResolvedRange): { months: [string, string] | null; days: [string, string][]; raw: [number, number][] } {
  const firstMonth = r.from === -Infinity ? -Infinity : r.from === monthStart(r.from) ? r.from : monthStart(r.from, 1);
  const lastMonth = r.to === Infinity ? Infinity : monthStart(r.to);
  const monthKey = (ms: number) => (ms === -Infinity ? MIN_ISO : ms === Infinity ? MAX_ISO : new Date(ms).toISOString().slice(0, 7));
  const rest: ResolvedRange[] = firstMonth < lastMonth
    ? [{ from: r.from, to: firstMonth }, { from: lastMonth, to: r.to }].filter((x) => x.from < x.to)
    : [r];
  const days: [string, string][] = [];
  const raw: [number, number][] = [];
  for (const part of rest) {
    const { full, edges } = split(part, DAY_MS);
    if (full) days.push([dayKey(full[0]), dayKey(full[1])]);
    raw.push(...edges);
  }
  return { months: firstMonth < lastMonth ? [monthKey(firstMonth), monthKey(lastMonth)] : null, days, raw };
}

/** A piece of a range: whole rows of a rollup table, or raw rows inside one 15-minute slot. */
export type Piece = { table: 'hour' | 'slot'; lo: number; hi: number } | { table: 'raw'; from: number; to: number };

export const PIECE_SECONDS = { hour: HOUR_MS / 1000, slot: SLOT_MS / 1000 } as const;

/** Covers [from, to) with whole hours (if `hours`), whole slots, and raw partial slots. */
export function pieces(r: ResolvedRange, hours: boolean): Piece[] {
  const out: Piece[] = [];
  const bySlots = (from: number, to: number) => {
    const { full, edges } = split({ from, to }, SLOT_MS);
    if (full) out.push({ table: 'slot', lo: unitIndex(full[0]), hi: unitIndex(full[1]) });
    for (const [a, b] of edges) out.push({ table: 'raw', from: a, to: b });
  };
  if (!hours) {
    bySlots(r.from, r.to);
    return out;
  }
  const { full, edges } = split(r, HOUR_MS);
  if (full) out.push({ table: 'hour', lo: unitIndex(full[0]), hi: unitIndex(full[1]) });
  for (const [a, b] of edges) bySlots(a, b);
  return out;
}

/**
 * Splits a bounded range into pieces of constant UTC offset (one piece unless a DST change
 * falls inside). Offsets are checked at every UTC midnight; a change is then located to the
 * 15-minute slot by bisection (zones change offset on slot boundaries).
 */
export function offsetSegments(r: ResolvedRange, offsetAt: OffsetAt): { from: number; to: number; offset: number }[] {
  const segments: { from: number; to: number; offset: number }[] = [];
  let start = r.from;
  let offset = offsetAt(r.from);
  const checkpoints: number[] = [];
  for (let d = Math.floor(r.from / DAY_MS) + 1; d * DAY_MS < r.to; d++) checkpoints.push(d * DAY_MS);
  checkpoints.push(r.to - 1);
  let previous = r.from;
  for (const point of checkpoints) {
    const now = offsetAt(point);
    if (now !== offset) {
      let lo = Math.floor(previous / SLOT_MS);
      let hi = Math.ceil(point / SLOT_MS);
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (offsetAt(mid * SLOT_MS) === offset) lo = mid;
        else hi = mid;
      }
      const boundary = Math.min(Math.max(hi * SLOT_MS, start), r.to);
      if (boundary > start) segments.push({ from: start, to: boundary, offset });
      start = boundary;
      offset = offsetAt(boundary);
    }
    previous = point;
  }
  segments.push({ from: start, to: r.to, offset });
  return segments;
}
