/**
 * The dashboard's breakdowns that the general queries do not cover: spend per local day and
 * model (the stacked daily chart), and the ranking of chat sessions and tags. Days come from the
 * per-day model rollup where a local day is a UTC day, and from raw rows (through the `ts`
 * index) otherwise; sessions and tags come from `roll_day_dim` (LedgerQueries.dimension).
 */
import { nanosToUsd } from './normalize';
import { PACKED_TABLE } from './packedRows';
import { MODEL_REF, num, textOf, type Row } from './queryParts';
import { DAY_MS } from './rollups';
import { daysBetween, nextDay, startOfLocalDay, type OffsetAt, type ResolvedRange } from './timeZone';

export interface ModelDay {
  day: string;
  model: string;
  requests: number;
  cost: number;
}

export interface KeyedTotals {
  /** The session id or tag; null = requests recorded without one. */
  key: string | null;
  requests: number;
  errors: number;
  tokens: number;
  cost: number;
}

type All = (sql: string, params: (string | number | null)[]) => Row[];

/** Requests and cost per local day and model over a bounded range (days without requests are absent). */
export function dailyByModel(all: All, r: ResolvedRange, offsetAt: OffsetAt): ModelDay[] {
  const out: ModelDay[] = [];
  const wholeUtcDays: string[] = [];
  for (const day of daysBetween(r.from, r.to, offsetAt)) {
    const start = Math.max(r.from, startOfLocalDay(day, offsetAt));
    const end = Math.min(r.to, startOfLocalDay(nextDay(day), offsetAt));
    if (start >= end) continue;
    if (start === Date.parse(`${day}T00:00:00Z`) && end - start === DAY_MS) {
      wholeUtcDays.push(day);
      continue;
    }
    for (const v of all(`SELECT ${textOf(MODEL_REF)}, COUNT(*), TOTAL(total_cost) FROM ${PACKED_TABLE} WHERE ts_ms >= ? AND ts_ms < ? GROUP BY ${MODEL_REF}`, [start, end])) {
      out.push({ day, model: v[0] as string, requests: num(v[1]), cost: nanosToUsd(num(v[2])) });
    }
  }
  // Local days that are whole UTC days (UTC, or a zone at offset 0) come from the rollup in one read.
  if (wholeUtcDays.length) {
    const wanted = new Set(wholeUtcDays);
    for (const v of all('SELECT day, model, requests, cost FROM roll_day_model WHERE day >= ? AND day <= ?', [wholeUtcDays[0], wholeUtcDays[wholeUtcDays.length - 1]])) {
      if (wanted.has(v[0] as string)) out.push({ day: v[0] as string, model: v[1] as string, requests: num(v[2]), cost: nanosToUsd(num(v[3])) });
    }
  }
  return out;
}

/** The most expensive keys of a `roll_day_dim` dimension; an empty key = requests recorded without one. */
export function topKeyed(groups: Iterable<{ k1: string; requests: number; errors: number; tokens: number; cost: number }>, limit: number): KeyedTotals[] {
  return [...groups]
    .map(({ k1, requests, errors, tokens, cost }) => ({ key: k1 === '' ? null : k1, requests, errors, tokens, cost }))
    .sort((a, b) => b.cost - a.cost || b.requests - a.requests)
    .slice(0, limit);
}
