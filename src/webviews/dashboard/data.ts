/**
 * Turns ledger queries into the dashboard's chart-ready payload (no `vscode` import: tested in
 * Node against real ledgers). Every ledger call is awaited, so it works whether the ledger
 * answers in-process or from its worker.
 */
import type { LedgerQueries, ModelStats } from '../../ledger/queries';
import { offsetFunction, type TimeZoneSpec } from '../../ledger/timeZone';
import type { ModelInfo } from '../../openrouter/types';
import { balanceFromSnapshot, burnRate, projectMonthEnd, runway, BURN_WINDOW_DAYS, type Balance } from '../shared/forecast';
import { addDays, monthBounds, resolveSelection, type RangeSelection } from '../shared/ranges';
import type { DashboardPayload, DataSource, TableRow } from './protocol';
import { whatIf } from './whatIf';
import { budgetPeriods, type KeyReading } from '../shared/budgetPeriods';
import { MAX_CHART_MODELS, OTHER_MODELS } from './constants';
import { DAY_MS } from '../../util/time';

/** The queries the dashboard reads; each may answer now or later (the ledger worker). */
export type DashboardQueries = {
  [K in 'summary' | 'byModel' | 'dailySeries' | 'dailyByModel' | 'hourlyDistribution' | 'byUser' | 'byWorkspaceBranch' | 'errors' | 'bySession' | 'byTag' | 'creditHistory' | 'activity' | 'recent']: (
    ...args: Parameters<LedgerQueries[K]>
  ) => ReturnType<LedgerQueries[K]> | Promise<ReturnType<LedgerQueries[K]>>;
};

export interface DashboardInput {
  selection: RangeSelection;
  source: DataSource;
  whatIfTarget: string | null;
  now: number;
  timeZone: TimeZoneSpec;
  /** `budget.daily` / `budget.monthly` (0 = off). */
  budget: { daily: number; monthly: number };
  /** The freshest credit reading (from the status bar); null falls back to the newest stored snapshot. */
  balance: Balance | null;
  /** `/models` prices for the what-if, or null when they could not be read. */
  catalogue: readonly ModelInfo[] | null;
  /** The last /key reading: OpenRouter's own month counter, which the monthly budget also counts. */
  keyReading?: KeyReading;
}

/** Models drawn separately in the stacked daily chart; the rest are summed as "other". */
const STACKED_MODELS = 7;
const TABLE_LIMIT = 20;

export function timeZoneLabel(tz: TimeZoneSpec): string {
  if (tz === 'utc') return 'UTC';
  if (tz === 'local') return Intl.DateTimeFormat().resolvedOptions().timeZone;
  return 'timeZone' in tz ? tz.timeZone : `UTC${tz.offsetMinutes >= 0 ? '+' : '-'}${Math.abs(tz.offsetMinutes) / 60}`;
}

/**
 * The whole payload. With `breakdowns: false` the session and tag tables — read from raw rows,
 * the slowest part on a long range — are left empty and marked pending, so the charts can paint
 * first; prepareBreakdowns then supplies them.
 */
export async function prepareDashboard(q: DashboardQueries, input: DashboardInput, options: { breakdowns?: boolean } = {}): Promise<DashboardPayload> {
  const { now, timeZone: tz } = input;
  const offsetAt = offsetFunction(tz);
  const r = resolveSelection(input.selection, now, offsetAt);
  const range = { from: r.from, to: r.to };
  const withBreakdowns = options.breakdowns ?? true;
  const [summary, models, daily, modelDays, hourly, users, pairs, errors, breakdowns] = await Promise.all([
    q.summary(range), q.byModel(range), q.dailySeries(range, tz), q.dailyByModel(range, tz), q.hourlyDistribution(range, tz),
    q.byUser(range, TABLE_LIMIT), q.byWorkspaceBranch(range, 1000), q.errors(range),
    withBreakdowns ? prepareBreakdowns(q, input) : { sessions: [], tags: [] },
  ]);

  const burnWindow = { from: now - BURN_WINDOW_DAYS * DAY_MS, to: now + 1 };
  const month = monthBounds(now, offsetAt);
  const [burnSpend, snapshots, periods, monthDaily, history] = await Promise.all([
    q.summary(burnWindow), q.creditHistory(burnWindow), budgetPeriods(q, now, input.budget, input.keyReading ?? null),
    q.dailySeries({ from: month.start, to: now + 1 }, tz), q.creditHistory({ from: now - 90 * DAY_MS, to: now + 1 }),
  ]);
  const newest = history.length ? balanceFromSnapshot(history[history.length - 1]) : null;
  const balance = input.balance && (!newest || input.balance.at >= newest.at) ? input.balance : newest;
  const burn = burnRate(burnSpend.cost, snapshots, now);

  const stacked = stackByModel(daily.map((d) => d.day), modelDays, models);
  let running = 0;
  const cumulativeDays = Array.from({ length: month.days }, (_, i) => addDays(month.firstDay, i));
  const spentByDay = new Map(monthDaily.map((d) => [d.day, d.cost]));
  const lastDay = monthDaily.length ? monthDaily[monthDaily.length - 1].day : month.firstDay;
  const cumulative = cumulativeDays.map((day) => (day > lastDay ? null : (running += spentByDay.get(day) ?? 0)));

  const catalogue = input.catalogue ?? [];
  const targets = catalogue.map((m) => m.id).filter((id) => !id.startsWith('openrouter/')).sort();
  const target = input.whatIfTarget ?? defaultWhatIfTarget(catalogue);

  return {
    generatedAt: now,
    source: 'ledger',
    notices: [],
    breakdownsPending: !withBreakdowns,
    range: { selection: input.selection, from: r.from, to: r.to, firstDay: r.firstDay, lastDay: r.lastDay, timeZone: timeZoneLabel(tz) },
    kpis: {
      spend: summary.cost,
      unknownCost: summary.uncosted ? { count: summary.uncosted, unit: 'requests' } : null,
      requests: summary.requests,
      tokens: summary.totalTokens,
      avgCostPerRequest: summary.avgCostPerRequest,
      errorRate: summary.requests ? summary.errorRate : null,
      balance,
      burn,
      runway: runway(balance, burn, now),
      // The UTC month the monthly budget is enforced on, not the chart's local month.
      projection: projectMonthEnd(periods.month.spent, burn, now, periods.monthEnd, input.budget.monthly),
    },
    daily: stacked,
    modelShare: modelShare(models),
    cumulative: { days: cumulativeDays, actual: cumulative, budget: input.budget.monthly > 0 ? input.budget.monthly : null },
    hourly: { requests: hourly.map((h) => h.requests), cost: hourly.map((h) => h.cost) },
    latency: models.filter((m) => m.latency).slice(0, MAX_CHART_MODELS).map((m) => ({ model: m.model, p50: m.latency!.p50, p95: m.latency!.p95, p99: m.latency!.p99, method: m.latency!.method })),
    errorRates: models.slice(0, MAX_CHART_MODELS).map((m) => ({ model: m.model, rate: m.errorRate, errors: m.errors, requests: m.requests })),
    unavailable: {},
    tables: {
      models: models.slice(0, TABLE_LIMIT).map((m) => ({ label: m.model, requests: m.requests, errors: m.errors, tokens: m.totalTokens, cost: m.cost, share: m.costShare })),
      users: users.map((u) => row(u.user, u)),
      workspaces: sumBy(pairs, (p) => p.workspace),
      branches: sumBy(pairs, (p) => p.gitBranch),
      sessions: breakdowns.sessions,
      tags: breakdowns.tags,
      errorTypes: errors.byType.map((e) => ({ label: e.type, requests: null, errors: e.count, tokens: null, cost: null })),
      keys: [],
      providers: [],
    },
    reconciliation: null,
    whatIf: {
      targets,
      result: target && catalogue.length ? whatIf(models.map(usageOf), target, catalogue, new Date(now)) : null,
    },
  };
}

/** The session and tag tables of the input's range. */
export async function prepareBreakdowns(q: DashboardQueries, input: DashboardInput): Promise<{ sessions: TableRow[]; tags: TableRow[] }> {
  const r = resolveSelection(input.selection, input.now, offsetFunction(input.timeZone));
  const range = { from: r.from, to: r.to };
  const [sessions, tags] = await Promise.all([q.bySession(range, TABLE_LIMIT), q.byTag(range, TABLE_LIMIT)]);
  return { sessions: sessions.map((s) => row(s.key, s)), tags: tags.map((t) => row(t.key, t)) };
}

const usageOf = (m: ModelStats) => ({
  model: m.model, requests: m.requests, promptTokens: m.promptTokens, completionTokens: m.completionTokens, cachedTokens: m.cachedTokens, cost: m.cost,
});

/** The cheapest listed model that is neither free nor a router: the seeds' routing advice. */
export function defaultWhatIfTarget(catalogue: readonly ModelInfo[]): string | null {
  let best: { id: string; price: number } | null = null;
  for (const m of catalogue) {
    const { prompt, completion } = m.pricing;
    if (prompt === null || completion === null || m.id.startsWith('openrouter/') || prompt + completion <= 0) continue;
    const price = prompt + completion;
    if (!best || price < best.price) best = { id: m.id, price };
  }
  return best?.id ?? null;
}

function row(label: string | null, t: { requests: number; errors: number; tokens: number; cost: number }): TableRow {
  return { label: label ?? '', requests: t.requests, errors: t.errors, tokens: t.tokens, cost: t.cost };
}

function sumBy<T extends { requests: number; errors: number; tokens: number; cost: number }>(items: T[], key: (t: T) => string | null): TableRow[] {
  const groups = new Map<string, TableRow>();
  for (const item of items) {
    const label = key(item) ?? '';
    const g = groups.get(label) ?? { label, requests: 0, errors: 0, tokens: 0, cost: 0 };
    g.requests! += item.requests;
    g.errors! += item.errors;
    g.tokens! += item.tokens;
    g.cost! += item.cost;
    groups.set(label, g);
  }
  return [...groups.values()].sort((a, b) => b.cost! - a.cost! || b.requests! - a.requests!).slice(0, TABLE_LIMIT);
}

/** The share chart: each model with a cost, most expensive first; past MAX_CHART_MODELS the rest as one OTHER_MODELS slice. */
export function modelShare(models: readonly { model: string; cost: number }[]): DashboardPayload['modelShare'] {
  const costly = models.filter((m) => m.cost > 0).map((m) => ({ model: m.model, cost: m.cost })).sort((a, b) => b.cost - a.cost);
  if (costly.length <= MAX_CHART_MODELS) return costly;
  const rest = costly.slice(MAX_CHART_MODELS - 1).reduce((sum, m) => sum + m.cost, 0);
  return [...costly.slice(0, MAX_CHART_MODELS - 1), { model: OTHER_MODELS, cost: rest }];
}

/** Per-day cost of the range's most expensive models, the rest summed as OTHER_MODELS; every day present. */
export function stackByModel(days: string[], modelDays: { day: string; model: string; cost: number }[], ranked: { model: string }[]): DashboardPayload['daily'] {
  const top = ranked.slice(0, STACKED_MODELS).map((m) => m.model);
  const index = new Map(days.map((d, i) => [d, i]));
  const series = new Map<string, number[]>(top.map((m) => [m, days.map(() => 0)]));
  for (const md of modelDays) {
    const i = index.get(md.day);
    if (i === undefined) continue;
    const name = series.has(md.model) ? md.model : OTHER_MODELS;
    if (!series.has(name)) series.set(name, days.map(() => 0));
    series.get(name)![i] += md.cost;
  }
  return { days, series: [...series].map(([model, values]) => ({ model, values })) };
}
