/**
 * The dashboard's "whole account" source: OpenRouter's own accounting rather than this
 * extension's ledger. `activity_daily` (kept in the ledger from `/activity`, completed UTC days
 * only) always; with a management key, the Analytics API, which also has today and breaks spend
 * down by key, provider and user. Analytics numbers may arrive as strings; one that does not
 * parse is unknown, and the totals it belongs to become lower bounds ("≥ $X, N rows unparsed"),
 * never a $0 in the sum. A truncated answer is said to be truncated. OpenRouter's days are UTC
 * days, so the whole account view (range, days, hours) is in UTC, and says so. Charts OpenRouter
 * has no data for (failures, p95/p99 latency) say that instead of drawing nothing. Balance,
 * runway and projection stay those of the ledger source.
 */
import type { DashboardPayload, TableRow } from './protocol';
import { modelShare, prepareDashboard, stackByModel, type DashboardInput, type DashboardQueries } from './data';

export interface AnalyticsQuery {
  metrics: string[];
  dimensions?: string[];
  granularity?: 'minute' | 'hour' | 'day' | 'week' | 'month';
  time_range: { start: string; end: string };
  order_by?: { field: string; direction: 'asc' | 'desc' };
  limit?: number;
}

export interface AnalyticsResult {
  rows: Record<string, unknown>[];
  truncated: boolean;
  warnings: string[];
}

/** POST /analytics/query with the management key. */
export interface AccountAnalytics {
  query(query: AnalyticsQuery): Promise<AnalyticsResult>;
}

/** A count or amount that may be a JSON number or a decimal string; anything else is unknown. */
export function analyticsNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.trim())) return Number(v);
  return null;
}

const text = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

/** Notices are English here and translated by the host. */
export const ACCOUNT_NOTICES = {
  activityOnly: 'Without a management key only OpenRouter’s daily activity (completed UTC days, synced once a day) is shown; today is missing.',
  truncated: 'OpenRouter truncated the Analytics answer: some rows are missing, totals may be low.',
  analyticsFailed: 'OpenRouter’s Analytics API could not be read ({0}); showing daily activity instead.',
  utcDays: 'OpenRouter reports whole UTC days: this view’s range, days and hours are UTC.',
  unparsed: '{0} Analytics rows had an amount or count that could not be read: the totals are lower bounds.',
  hourlyNeedsAnalytics: 'Not available for the whole account without a management key: OpenRouter’s daily activity has no hours.',
  hourlyUnparsed: 'Not available: OpenRouter’s hourly Analytics answer could not be read.',
  latencyUnavailable: 'Not available for the whole account: OpenRouter does not report p95/p99 latency (the ledger source has them).',
  errorsUnavailable: 'Not available for the whole account: OpenRouter does not report failed requests.',
} as const;

export async function prepareAccountDashboard(
  q: DashboardQueries,
  input: DashboardInput,
  analytics: AccountAnalytics | null,
  t: (message: string, ...args: string[]) => string = (m, ...a) => a.reduce((s, v, i) => s.replace(`{${i}}`, v), m),
): Promise<DashboardPayload> {
  const base = await prepareDashboard(q, { ...input, source: 'ledger', timeZone: 'utc' }, { breakdowns: false });
  const days = dayList(base.range.firstDay, base.range.lastDay);
  const notices = [t(ACCOUNT_NOTICES.utcDays)];
  /** null fields: the Analytics value could not be read. */
  let byDayModel: { day: string; model: string; cost: number | null; requests: number | null; tokens: number | null }[] = [];
  let hourly: DashboardPayload['hourly'] = { requests: [], cost: [] };
  const unavailable: DashboardPayload['unavailable'] = { latency: t(ACCOUNT_NOTICES.latencyUnavailable), errors: t(ACCOUNT_NOTICES.errorsUnavailable) };
  let keys: TableRow[] = [];
  let providers: TableRow[] = [];
  let users: TableRow[] = [];
  let fromAnalytics = false;
  if (analytics) {
    try {
      const time_range = { start: new Date(base.range.from).toISOString(), end: new Date(base.range.to).toISOString() };
      const metrics = ['total_usage', 'request_count', 'tokens_total'];
      const [daily, hours, byKey, byProvider, byUser] = await Promise.all([
        analytics.query({ metrics, dimensions: ['model'], granularity: 'day', time_range, limit: 10_000 }),
        analytics.query({ metrics: ['request_count', 'total_usage'], granularity: 'hour', time_range, limit: 10_000 }),
        analytics.query({ metrics, dimensions: ['api_key_id'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
        analytics.query({ metrics, dimensions: ['provider'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
        analytics.query({ metrics, dimensions: ['user'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
      ]);
      byDayModel = daily.rows.map((r) => ({
        day: text(r.date__day ?? r.created_at__day).slice(0, 10), model: text(r.model),
        cost: analyticsNumber(r.total_usage), requests: analyticsNumber(r.request_count), tokens: analyticsNumber(r.tokens_total),
      }));
      const byHour = hourOfDay(hours.rows);
      if (byHour) hourly = byHour;
      else unavailable.hourly = t(ACCOUNT_NOTICES.hourlyUnparsed);
      const rows = (res: AnalyticsResult, dim: string): TableRow[] => res.rows.map((r) => ({
        label: text(r[dim]), requests: analyticsNumber(r.request_count), errors: null, tokens: analyticsNumber(r.tokens_total), cost: analyticsNumber(r.total_usage),
      }));
      keys = rows(byKey, 'api_key_id');
      providers = rows(byProvider, 'provider');
      users = rows(byUser, 'user');
      if ([daily, hours, byKey, byProvider, byUser].some((r) => r.truncated)) notices.push(t(ACCOUNT_NOTICES.truncated));
      fromAnalytics = true;
    } catch (err) {
      notices.push(t(ACCOUNT_NOTICES.analyticsFailed, err instanceof Error ? err.message : String(err)));
    }
  } else {
    notices.push(t(ACCOUNT_NOTICES.activityOnly));
  }
  if (!fromAnalytics) unavailable.hourly = t(ACCOUNT_NOTICES.hourlyNeedsAnalytics);
  if (!fromAnalytics) {
    const activity = await q.activity({ from: `${base.range.firstDay}T00:00:00Z`, to: new Date(Date.parse(`${base.range.lastDay}T00:00:00Z`) + 86_400_000).toISOString() });
    byDayModel = activity.map((a) => ({ day: a.date, model: a.model, cost: a.usage, requests: a.requests, tokens: a.promptTokens + a.completionTokens }));
  }

  const models = new Map<string, { cost: number; requests: number; tokens: number; unparsed: boolean }>();
  let unparsedRows = 0;
  let countsUnknown = false;
  let tokensUnknown = false;
  for (const r of byDayModel) {
    const m = models.get(r.model) ?? { cost: 0, requests: 0, tokens: 0, unparsed: false };
    if (r.cost === null) {
      unparsedRows++;
      m.unparsed = true;
    } else m.cost += r.cost;
    if (r.requests === null) countsUnknown = true;
    else m.requests += r.requests;
    if (r.tokens === null) tokensUnknown = true;
    else m.tokens += r.tokens;
    models.set(r.model, m);
  }
  if (unparsedRows) notices.push(t(ACCOUNT_NOTICES.unparsed, String(unparsedRows)));
  const ranked = [...models].map(([model, m]) => ({ model, ...m })).sort((a, b) => b.cost - a.cost);
  const spend = ranked.reduce((s, m) => s + m.cost, 0);
  const requests = ranked.reduce((s, m) => s + m.requests, 0);
  const tokens = ranked.reduce((s, m) => s + m.tokens, 0);
  const any = byDayModel.length > 0;
  return {
    ...base,
    source: 'account',
    notices,
    breakdownsPending: false,
    kpis: {
      ...base.kpis,
      spend: any ? spend : null,
      unknownCost: unparsedRows ? { count: unparsedRows, unit: 'rows' } : null,
      requests: any && !countsUnknown ? requests : null,
      tokens: any && !tokensUnknown ? tokens : null,
      avgCostPerRequest: requests && !unparsedRows && !countsUnknown ? spend / requests : null,
      errorRate: null,
    },
    daily: stackByModel(days, byDayModel.flatMap((r) => (r.cost === null ? [] : [{ day: r.day, model: r.model, cost: r.cost }])), ranked),
    modelShare: modelShare(ranked),
    hourly,
    latency: [],
    errorRates: [],
    unavailable,
    tables: {
      ...base.tables,
      models: ranked.slice(0, 20).map((m) => ({
        label: m.model, requests: countsUnknown ? null : m.requests, errors: null, tokens: tokensUnknown ? null : m.tokens,
        cost: m.unparsed ? null : m.cost, share: spend && !m.unparsed && !unparsedRows ? m.cost / spend : null,
      })),
      users, keys, providers, workspaces: [], branches: [], sessions: [], tags: [], errorTypes: [],
    },
  };
}

/** Requests and spend by UTC hour of day from an hourly Analytics answer, or null when a value is unreadable. */
function hourOfDay(rows: Record<string, unknown>[]): DashboardPayload['hourly'] | null {
  const requests = Array.from({ length: 24 }, () => 0);
  const cost = Array.from({ length: 24 }, () => 0);
  for (const r of rows) {
    const at = Date.parse(text(r.date__hour ?? r.created_at__hour));
    const n = analyticsNumber(r.request_count);
    const usd = analyticsNumber(r.total_usage);
    if (Number.isNaN(at) || n === null || usd === null) return null;
    requests[new Date(at).getUTCHours()] += n;
    cost[new Date(at).getUTCHours()] += usd;
  }
  return { requests, cost };
}

function dayList(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last && out.length < 20_000; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) out.push(d);
  return out;
}
