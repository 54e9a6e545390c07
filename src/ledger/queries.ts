/**
 * Every question the dashboard, status bar, budgets and reports ask the ledger. Parameterised
 * SQL only. Each aggregate reads maintained rollups for the whole hours / 15-minute slots / UTC
 * days inside the range and the raw rows (through the `ts` index) only for the partial pieces at
 * its ends (queryParts.ts), so answers are exact for any range and their cost depends on the
 * span of time asked about, not on how many rows the ledger holds. Percentiles are the one
 * estimate (see latency.ts).
 */
import type { LedgerDb } from './apply';
import { LATENCY_BUCKET_SQL } from './histogram';
import { EXACT_PERCENTILE_LIMIT, LatencyAccumulator, type LatencyStats } from './latency';
import { GENERATION_COLUMNS, nanosToUsd, rowFromStored } from './normalize';
import { code, PACKED_TABLE } from './packedRows';
import {
  addCounts, calendarPieces, dayKey, DIMENSION_SQL, emptyTotals, finish, FROM_EXTENSION, iso, MODEL_REF, num, offsetSegments, PIECE_SECONDS, pieces,
  RAW_COUNTS, RAW_LATENCY_SUMS, ROLL_COUNTS, split, SUCCESS, textOf, type Dimension, type Row, type Totals, MIN_ISO, MAX_ISO, msBound, UNCOSTED_WHERE,
} from './queryParts';
import { DAY_MS, SLOT_MS } from './rollups';
import { daysBetween, localDay, offsetFunction, resolveRange, startOfLocalDay, type OffsetAt, type RangePreset, type ResolvedRange, type TimeZoneSpec } from './timeZone';
import type { CreditSnapshot, StoredGeneration, TimeRange } from './types';
import { dailyByModel, topKeyed, type KeyedTotals, type ModelDay } from './breakdowns';

export type { Totals } from './queryParts';
export type { KeyedTotals, ModelDay } from './breakdowns';
export type RangeInput = TimeRange | RangePreset;

export interface ModelStats extends Totals {
  model: string;
  costShare: number;
  requestShare: number;
  /** Of successful requests with a measured latency; null when there are none. */
  latency: LatencyStats | null;
}

export interface DayPoint extends Totals {
  day: string;
}

export interface HourPoint extends Totals {
  hour: number;
}

export interface GroupTotals {
  requests: number;
  errors: number;
  tokens: number;
  cost: number;
}

export interface ActivityDay {
  date: string;
  model: string;
  usage: number;
  byokUsage: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

export class LedgerQueries {
  /** Offset functions carry their own caches; keep one per zone for the life of the ledger. */
  private readonly zones = new Map<string, OffsetAt>();

  constructor(
    private readonly ldb: () => LedgerDb,
    private readonly now: () => number = Date.now,
  ) {}

  private offsets(tz: TimeZoneSpec): OffsetAt {
    const key = JSON.stringify(tz);
    let fn = this.zones.get(key);
    if (!fn) this.zones.set(key, (fn = offsetFunction(tz)));
    return fn;
  }

  private all(sql: string, params: (string | number | null)[]): Row[] {
    return this.ldb().all(sql, params);
  }

  summary(range: RangeInput): Totals {
    const r = resolveRange(range, this.now());
    const t = emptyTotals();
    for (const piece of pieces(r, true)) {
      addCounts(t, piece.table === 'raw'
        ? this.all(`SELECT ${RAW_COUNTS} FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ?`, [msBound(piece.from), msBound(piece.to)])[0]
        : this.all(`SELECT ${ROLL_COUNTS} FROM roll_${piece.table} WHERE ${piece.table} >= ? AND ${piece.table} < ?`, [piece.lo, piece.hi])[0]);
    }
    t.uncosted = this.uncostedIn(r);
    return finish(t);
  }

  /**
   * Requests in the range possibly billed but of unknown cost (UNCOSTED_WHERE). No rollup keeps
   * this: it reads the rows of the range through the `ts` index.
   */
  uncostedCount(range: RangeInput, options: { viaExtension?: boolean } = {}): number {
    return this.uncostedIn(resolveRange(range, this.now()), options.viaExtension === true);
  }

  private uncostedIn(r: ResolvedRange, viaExtension = false): number {
    const origin = viaExtension ? `AND ${FROM_EXTENSION}` : '';
    return num(this.all(`SELECT COUNT(*) FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ? AND ${UNCOSTED_WHERE} ${origin}`, [msBound(r.from), msBound(r.to)])[0][0]);
  }

  /**
   * Per model, most expensive first. Percentiles are exact while the range holds at most
   * `exactPercentileLimit` latencies (default EXACT_PERCENTILE_LIMIT), else from histograms.
   */
  byModel(range: RangeInput, options: { exactPercentileLimit?: number } = {}): ModelStats[] {
    const exactLimit = options.exactPercentileLimit ?? EXACT_PERCENTILE_LIMIT;
    const r = resolveRange(range, this.now());
    const { months, days, raw } = calendarPieces(r);
    const models = new Map<string, { t: Totals; lat: LatencyAccumulator }>();
    const entry = (m: string) => {
      let e = models.get(m);
      if (!e) models.set(m, (e = { t: emptyTotals(), lat: new LatencyAccumulator() }));
      return e;
    };
    const rollups: ['month' | 'day', [string, string]][] = [...(months ? [['month', months] as ['month', [string, string]]] : []), ...days.map((d) => ['day', d] as ['day', [string, string]])];
    for (const [period, bounds] of rollups) {
      for (const v of this.all(`SELECT model, ${ROLL_COUNTS}, SUM(latency_n), SUM(latency_sum), SUM(latency_sumsq)
          FROM roll_${period}_model WHERE ${period} >= ? AND ${period} < ? GROUP BY model`, bounds)) {
        const e = entry(v[0] as string);
        addCounts(e.t, v, 1);
        e.lat.addSums(num(v[8]), num(v[9]), num(v[10]));
      }
    }
    for (const [a, b] of raw) {
      for (const v of this.all(`SELECT ${textOf(MODEL_REF)}, ${RAW_COUNTS}, ${RAW_LATENCY_SUMS} FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ? GROUP BY ${MODEL_REF}`, [msBound(a), msBound(b)])) {
        const e = entry(v[0] as string);
        addCounts(e.t, v, 1);
        e.lat.addSums(num(v[8]), num(v[9]), num(v[10]));
      }
    }
    const totalLatencies = [...models.values()].reduce((n, e) => n + e.lat.n, 0);
    let exact: Map<string, number[]> | undefined;
    if (totalLatencies <= exactLimit) {
      exact = groupValues(this.latencies(r.from, r.to));
    } else {
      for (const [period, bounds] of rollups) {
        for (const [m, hist] of this.all(`SELECT model, latency_hist FROM roll_${period}_model WHERE ${period} >= ? AND ${period} < ? AND latency_n > 0`, bounds)) {
          entry(m as string).lat.addHistogram(hist as Uint8Array);
        }
      }
      for (const [a, b] of raw) {
        for (const [m, bucket, count] of this.all(`SELECT ${textOf(MODEL_REF)}, ${LATENCY_BUCKET_SQL} AS bucket, COUNT(*) FROM ${PACKED_TABLE}
            WHERE ts_ms >= ? AND ts_ms < ? AND ${SUCCESS} AND latency_ms IS NOT NULL GROUP BY ${MODEL_REF}, bucket`, [msBound(a), msBound(b)])) {
          entry(m as string).lat.addBucket(bucket as number, count as number);
        }
      }
    }
    const all = [...models.entries()].map(([model, e]) => ({ model, t: finish(e.t), lat: e.lat }));
    const cost = all.reduce((s, m) => s + m.t.cost, 0);
    const requests = all.reduce((s, m) => s + m.t.requests, 0);
    return all
      .map(({ model, t, lat }) => ({
        ...t, model, costShare: cost ? t.cost / cost : 0, requestShare: requests ? t.requests / requests : 0,
        latency: lat.stats(exact?.get(model) ?? (exact ? [] : undefined)),
      }))
      .sort((x, y) => y.cost - x.cost || y.requests - x.requests || x.model.localeCompare(y.model));
  }

  /** Latencies of successful requests in [from, to), for one model (drill-down) or all. */
  private latencies(from: number, to: number, model?: string): [string, number][] {
    const sql = model === undefined
      ? `SELECT ${textOf(MODEL_REF)}, latency_ms FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ? AND ${SUCCESS} AND latency_ms IS NOT NULL`
      : `SELECT ?1, latency_ms FROM ${PACKED_TABLE} WHERE model_used_ref = (SELECT id FROM strings WHERE value = ?1)
          AND ${SUCCESS} AND ts_ms >= ?2 AND ts_ms < ?3 AND latency_ms IS NOT NULL`;
    const params = model === undefined ? [msBound(from), msBound(to)] : [model, msBound(from), msBound(to)];
    return this.all(sql, params) as [string, number][];
  }

  /** Exact latency statistics of one model (through the partial index of successful rows' model, ts and latency). */
  modelLatency(model: string, range: RangeInput): LatencyStats | null {
    const r = resolveRange(range, this.now());
    const acc = new LatencyAccumulator();
    const values = this.latencies(r.from, r.to, model).map(([, ms]) => ms);
    for (const ms of values) acc.addValue(ms);
    return acc.stats(values);
  }

  /** Per local day, every day of the range present (zeros where nothing happened). */
  dailySeries(range: RangeInput, tz: TimeZoneSpec = 'utc'): DayPoint[] {
    const offsetAt = this.offsets(tz);
    const r = this.boundedRange(range);
    const days = new Map<string, DayPoint>(daysBetween(r.from, r.to, offsetAt).map((day) => [day, { day, ...emptyTotals() }]));
    this.grouped(r, offsetAt, (start) => `(${start} + ?) / 86400`, (sec) => Math.floor(sec / 86_400), (key, v) => {
      const p = days.get(dayKey(key));
      if (p) addCounts(p, v);
    });
    return [...days.values()].map(finish);
  }

  /** Requests per local hour of day (0–23) over the range. */
  hourlyDistribution(range: RangeInput, tz: TimeZoneSpec = 'utc'): HourPoint[] {
    const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, ...emptyTotals() }));
    this.grouped(this.boundedRange(range), this.offsets(tz), (start) => `((${start} + ?) % 86400) / 3600`, (sec) => Math.floor((sec % 86_400) / 3_600), (key, v) => addCounts(hours[key], v));
    return hours.map(finish);
  }

  /** A range with open ends closed at the first recorded slot and now. */
  private boundedRange(range: RangeInput): ResolvedRange {
    const r = resolveRange(range, this.now());
    const first = this.all('SELECT MIN(slot) FROM roll_slot', [])[0][0];
    const from = r.from === -Infinity ? (typeof first === 'number' ? first * SLOT_MS : this.now()) : r.from;
    return { from, to: r.to === Infinity ? this.now() + 1 : r.to };
  }

  /**
   * Counts over the range grouped by a key of local time. `keySql` turns a unit's start (epoch
   * seconds, SQL) plus the bound offset into the key; `keyOf` does the same in JS for raw pieces,
   * which lie inside one slot. Per constant-offset segment, whole-hour offsets read hourly
   * rollups; half-hour zones read 15-minute slots.
   */
  private grouped(r: ResolvedRange, offsetAt: OffsetAt, keySql: (startSeconds: string) => string, keyOf: (localSeconds: number) => number, add: (key: number, v: Row) => void): void {
    for (const segment of offsetSegments(r, offsetAt)) {
      const offsetSeconds = segment.offset * 60;
      for (const piece of pieces(segment, segment.offset % 60 === 0)) {
        if (piece.table === 'raw') {
          const v = this.all(`SELECT ${RAW_COUNTS} FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ?`, [msBound(piece.from), msBound(piece.to)])[0];
          if (num(v[0])) add(keyOf(Math.floor(piece.from / 1000) + offsetSeconds), v);
          continue;
        }
        const start = `${piece.table} * ${PIECE_SECONDS[piece.table]}`;
        for (const v of this.all(`SELECT ${keySql(start)} AS k, ${ROLL_COUNTS} FROM roll_${piece.table}
            WHERE ${piece.table} >= ? AND ${piece.table} < ? GROUP BY k`, [offsetSeconds, piece.lo, piece.hi])) {
          add(v[0] as number, v.slice(1));
        }
      }
    }
  }

  /** Totals per (k1, k2) of one rollup dimension over the range. */
  private dimension(dim: Dimension, range: RangeInput): Map<string, GroupTotals & { k1: string; k2: string }> {
    const r = resolveRange(range, this.now());
    const { full, edges } = split(r, DAY_MS);
    const groups = new Map<string, GroupTotals & { k1: string; k2: string }>();
    const add = (v: Row) => {
      const key = JSON.stringify([v[0], v[1]]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { k1: v[0] as string, k2: v[1] as string, requests: 0, errors: 0, tokens: 0, cost: 0 }));
      g.requests += num(v[2]);
      g.errors += num(v[3]);
      g.tokens += num(v[4]);
      g.cost += num(v[5]);
    };
    if (full) {
      this.all(`SELECT k1, k2, SUM(requests), SUM(errors), SUM(tokens), TOTAL(cost) FROM roll_day_dim
        WHERE dim = ? AND day >= ? AND day < ? GROUP BY k1, k2`, [dim, ...full.map(dayKey)]).forEach(add);
    }
    const { keys, groupBy, where, from = PACKED_TABLE } = DIMENSION_SQL[dim];
    for (const [a, b] of edges) {
      // Of RAW_COUNTS: requests, errors, prompt + completion tokens, cost.
      this.all(`SELECT ${keys}, ${RAW_COUNTS} FROM ${from} WHERE ts_ms >= ? AND ts_ms < ? ${where} GROUP BY ${groupBy}`, [msBound(a), msBound(b)])
        .forEach((v) => add([v[0], v[1], v[2], v[3], num(v[4]) + num(v[5]), v[8]]));
    }
    // Summed above in nano-dollars (exact); USD from here on.
    for (const g of groups.values()) g.cost = nanosToUsd(g.cost);
    return groups;
  }

  /** Top spenders; `user` null = requests recorded without a user id. */
  byUser(range: RangeInput, limit = 10): (GroupTotals & { user: string | null })[] {
    return [...this.dimension('user', range).values()]
      .map(({ k1, requests, errors, tokens, cost }) => ({ user: k1 || null, requests, errors, tokens, cost }))
      .sort((a, b) => b.cost - a.cost || b.requests - a.requests)
      .slice(0, limit);
  }

  byWorkspaceBranch(range: RangeInput, limit = 20): (GroupTotals & { workspace: string | null; gitBranch: string | null })[] {
    return [...this.dimension('wsb', range).values()]
      .map(({ k1, k2, requests, errors, tokens, cost }) => ({ workspace: k1 || null, gitBranch: k2 || null, requests, errors, tokens, cost }))
      .sort((a, b) => b.cost - a.cost || b.requests - a.requests)
      .slice(0, limit);
  }

  /** Failed requests grouped by error type, and by model with each model's types. */
  errors(range: RangeInput): { byType: { type: string; count: number }[]; byModel: { model: string; count: number; types: Record<string, number> }[] } {
    const byType = new Map<string, number>();
    const byModel = new Map<string, { model: string; count: number; types: Record<string, number> }>();
    for (const { k1: model, k2: type, errors } of this.dimension('err', range).values()) {
      if (errors <= 0) continue;
      byType.set(type, (byType.get(type) ?? 0) + errors);
      let m = byModel.get(model);
      if (!m) byModel.set(model, (m = { model, count: 0, types: {} }));
      m.count += errors;
      m.types[type] = (m.types[type] ?? 0) + errors;
    }
    return {
      byType: [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
      byModel: [...byModel.values()].sort((a, b) => b.count - a.count),
    };
  }

  /** OpenRouter's own per-day, per-model accounting (activity_daily), for one key hash ('' = account). */
  activity(range: RangeInput, keyHash = ''): ActivityDay[] {
    const r = resolveRange(range, this.now());
    const from = r.from === -Infinity ? MIN_ISO : iso(r.from).slice(0, 10);
    const to = r.to === Infinity ? MAX_ISO : iso(r.to - 1).slice(0, 10);
    return this.all(`SELECT date, model, TOTAL(usage), TOTAL(byok_usage_inference), SUM(requests), SUM(prompt_tokens),
        SUM(completion_tokens), SUM(reasoning_tokens) FROM activity_daily WHERE key_hash = ? AND date >= ? AND date <= ?
        GROUP BY date, model ORDER BY date, model`, [keyHash, from, to])
      .map((v) => ({
        date: v[0] as string, model: v[1] as string, usage: nanosToUsd(num(v[2])), byokUsage: nanosToUsd(num(v[3])), requests: num(v[4]),
        promptTokens: num(v[5]), completionTokens: num(v[6]), reasoningTokens: num(v[7]),
      }));
  }

  /** Spend today and this month (local calendar of `tz`), and today's requests made through this extension. */
  budgetTotals(tz: TimeZoneSpec = 'utc'): { today: Totals; month: Totals; todayViaExtension: Totals } {
    const now = this.now();
    const offsetAt = this.offsets(tz);
    const today = localDay(now, offsetAt);
    const dayStart = startOfLocalDay(today, offsetAt);
    const monthStart = startOfLocalDay(`${today.slice(0, 7)}-01`, offsetAt);
    const end = now + 1;
    const viaExtension = addCounts(emptyTotals(), this.all(`SELECT ${RAW_COUNTS} FROM ${PACKED_TABLE}
      WHERE ts_ms >= ? AND ts_ms < ? AND ${FROM_EXTENSION}`, [dayStart, end])[0]);
    viaExtension.uncosted = this.uncostedCount({ from: dayStart, to: end }, { viaExtension: true });
    return {
      today: this.summary({ from: dayStart, to: end }),
      month: this.summary({ from: monthStart, to: end }),
      todayViaExtension: finish(viaExtension),
    };
  }

  creditHistory(range: RangeInput): CreditSnapshot[] {
    const r = resolveRange(range, this.now());
    return this.all(`SELECT ts, key_label, credit_limit, limit_remaining, usage, usage_daily, usage_weekly, usage_monthly,
        byok_usage, total_credits, total_usage FROM credit_snapshots WHERE ts >= ? AND ts < ? ORDER BY ts`, [iso(r.from), iso(r.to)])
      .map((v) => ({
        ts: v[0] as string, keyLabel: v[1] as string | null, limit: v[2] as number | null, limitRemaining: v[3] as number | null,
        usage: v[4] as number | null, usageDaily: v[5] as number | null, usageWeekly: v[6] as number | null,
        usageMonthly: v[7] as number | null, byokUsage: v[8] as number | null, totalCredits: v[9] as number | null,
        totalUsage: v[10] as number | null,
      }));
  }

  /** Newest requests first; pass the last row's `ts` and `uid` as `before` for the next page. */
  recent(limit = 50, before?: { ts: string; uid: string }): StoredGeneration[] {
    const cols = GENERATION_COLUMNS.join(', ');
    const rows = before
      ? this.all(`SELECT ${cols} FROM generations WHERE (ts_ms, uid) < (?, ?) ORDER BY ts_ms DESC, uid DESC LIMIT ?`, [Date.parse(before.ts), before.uid, limit])
      : this.all(`SELECT ${cols} FROM generations ORDER BY ts_ms DESC, uid DESC LIMIT ?`, [limit]);
    return rows.map(rowFromStored);
  }

  /** When the oldest row still `pending` was sent (the partial index of pending rows); null when none is. */
  oldestPending(): string | null {
    const v = this.all(`SELECT MIN(ts_ms) FROM ${PACKED_TABLE} WHERE status_code = ${code('status', 'pending')}`, [])[0][0];
    return typeof v === 'number' ? new Date(v).toISOString() : typeof v === 'string' ? v : null;
  }

  /** The row of one generation id (the look-up's side-by-side view); null when the ledger has none. */
  byGenerationId(generationId: string): StoredGeneration | null {
    const cols = GENERATION_COLUMNS.join(', ');
    const [v] = this.all(`SELECT ${cols} FROM generations WHERE generation_id = ?`, [generationId]);
    return v ? rowFromStored(v) : null;
  }

  // Dashboard breakdowns: per local day and model (breakdowns.ts), per chat session and per tag (roll_day_dim).
  dailyByModel(range: RangeInput, tz: TimeZoneSpec = 'utc'): ModelDay[] {
    return dailyByModel((sql, p) => this.all(sql, p), this.boundedRange(range), this.offsets(tz));
  }

  bySession(range: RangeInput, limit = 20): KeyedTotals[] {
    return topKeyed(this.dimension('ses', range).values(), limit);
  }

  /** A request with several tags counts for each of them. */
  byTag(range: RangeInput, limit = 20): KeyedTotals[] {
    return topKeyed(this.dimension('tag', range).values(), limit);
  }

  /** Everything the dashboard shows for one range, in one call. */
  dashboard(range: RangeInput, tz: TimeZoneSpec = 'utc') {
    return {
      summary: this.summary(range),
      byModel: this.byModel(range),
      daily: this.dailySeries(range, tz),
      hourly: this.hourlyDistribution(range, tz),
      byUser: this.byUser(range),
      byWorkspaceBranch: this.byWorkspaceBranch(range),
      errors: this.errors(range),
      activity: this.activity(range),
      budget: this.budgetTotals(tz),
    };
  }
}

function groupValues(rows: [string, number][]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [m, ms] of rows) {
    let list = out.get(m);
    if (!list) out.set(m, (list = []));
    list.push(ms);
  }
  return out;
}
