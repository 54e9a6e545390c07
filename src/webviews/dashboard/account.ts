/**
 * The dashboard's "whole account" source: OpenRouter's own accounting rather than this
 * extension's ledger. `activity_daily` (kept in the ledger from `/activity`, completed UTC days
 * only) always; with a management key, the Analytics API, which also has today and breaks spend
 * down by key, provider and user. Analytics numbers may arrive as strings; a truncated answer is
 * said to be truncated. Balance, runway and projection stay those of the ledger source.
 */
import type { DashboardPayload, TableRow } from './protocol';
import { prepareDashboard, stackByModel, type DashboardInput, type DashboardQueries } from './data';

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
  utcDays: 'OpenRouter reports whole UTC days.',
} as const;

export async function prepareAccountDashboard(
  q: DashboardQueries,
  input: DashboardInput,
  analytics: AccountAnalytics | null,
  t: (message: string, ...args: string[]) => string = (m, ...a) => a.reduce((s, v, i) => s.replace(`{${i}}`, v), m),
): Promise<DashboardPayload> {
  const base = await prepareDashboard(q, { ...input, source: 'ledger' }, { breakdowns: false });
  const days = dayList(base.range.firstDay, base.range.lastDay);
  const notices = [t(ACCOUNT_NOTICES.utcDays)];
  let byDayModel: { day: string; model: string; cost: number; requests: number; tokens: number }[] = [];
  let keys: TableRow[] = [];
  let providers: TableRow[] = [];
  let users: TableRow[] = [];
  let fromAnalytics = false;
  if (analytics) {
    try {
      const time_range = { start: new Date(base.range.from).toISOString(), end: new Date(base.range.to).toISOString() };
      const metrics = ['total_usage', 'request_count', 'tokens_total'];
      const [daily, byKey, byProvider, byUser] = await Promise.all([
        analytics.query({ metrics, dimensions: ['model'], granularity: 'day', time_range, limit: 10_000 }),
        analytics.query({ metrics, dimensions: ['api_key_id'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
        analytics.query({ metrics, dimensions: ['provider'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
        analytics.query({ metrics, dimensions: ['user'], time_range, order_by: { field: 'total_usage', direction: 'desc' }, limit: 20 }),
      ]);
      byDayModel = daily.rows.map((r) => ({
        day: text(r.date__day ?? r.created_at__day).slice(0, 10), model: text(r.model),
        cost: analyticsNumber(r.total_usage) ?? 0, requests: analyticsNumber(r.request_count) ?? 0, tokens: analyticsNumber(r.tokens_total) ?? 0,
      }));
      const rows = (res: AnalyticsResult, dim: string): TableRow[] => res.rows.map((r) => ({
        label: text(r[dim]), requests: analyticsNumber(r.request_count), errors: null, tokens: analyticsNumber(r.tokens_total), cost: analyticsNumber(r.total_usage),
      }));
      keys = rows(byKey, 'api_key_id');
      providers = rows(byProvider, 'provider');
      users = rows(byUser, 'user');
      if ([daily, byKey, byProvider, byUser].some((r) => r.truncated)) notices.push(t(ACCOUNT_NOTICES.truncated));
      fromAnalytics = true;
    } catch (err) {
      notices.push(t(ACCOUNT_NOTICES.analyticsFailed, err instanceof Error ? err.message : String(err)));
    }
  } else {
    notices.push(t(ACCOUNT_NOTICES.activityOnly));
  }
  if (!fromAnalytics) {
    const activity = await q.activity({ from: `${base.range.firstDay}T00:00:00Z`, to: new Date(Date.parse(`${base.range.lastDay}T00:00:00Z`) + 86_400_000).toISOString() });
    byDayModel = activity.map((a) => ({ day: a.date, model: a.model, cost: a.usage, requests: a.requests, tokens: a.promptTokens + a.completionTokens }));
  }

  const models = new Map<string, { cost: number; requests: number; tokens: number }>();
  for (const r of byDayModel) {
    const m = models.get(r.model) ?? { cost: 0, requests: 0, tokens: 0 };
    m.cost += r.cost;
    m.requests += r.requests;
    m.tokens += r.tokens;
    models.set(r.model, m);
  }
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
      requests: any ? requests : null,
      tokens: any ? tokens : null,
      avgCostPerRequest: requests ? spend / requests : null,
      errorRate: null,
    },
    daily: stackByModel(days, byDayModel, ranked),
    modelShare: ranked.filter((m) => m.cost > 0).map((m) => ({ model: m.model, cost: m.cost })),
    hourly: { requests: [], cost: [] },
    latency: [],
    errorRates: [],
    tables: {
      ...base.tables,
      models: ranked.slice(0, 20).map((m) => ({ label: m.model, requests: m.requests, errors: null, tokens: m.tokens, cost: m.cost, share: spend ? m.cost / spend : null })),
      users, keys, providers, workspaces: [], branches: [], sessions: [], tags: [], errorTypes: [],
    },
  };
}

function dayList(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last && out.length < 20_000; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) out.push(d);
  return out;
}
