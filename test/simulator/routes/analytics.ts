/**
 * OpenRouter's Analytics API (management key only; an inference key gets 403):
 * `GET /analytics/meta` and `POST /analytics/query` over the account's billed generations and
 * seeded activity. Like the real API: count metrics come back as strings, unused cost
 * components as null, key/user/app/workspace as display names, rows beyond `limit` are cut
 * with `metadata.truncated: true`, at most 2 dimensions, latency metrics and the
 * `generation_id` dimension only for ranges of at most 31 days.
 */
import { authenticate } from '../auth';
import { findModel } from '../catalogue';
import { RequestContext } from '../context';
import { sendError } from '../errors';
import { sendJson } from '../http';

const METRICS = [
  { name: 'request_count', display_label: 'Requests', display_format: 'number', is_rate: false, count: true },
  { name: 'total_usage', display_label: 'Total usage', display_format: 'currency', is_rate: false },
  { name: 'credits_usage', display_label: 'Credits usage', display_format: 'currency', is_rate: false },
  { name: 'byok_usage', display_label: 'BYOK usage', display_format: 'currency', is_rate: false },
  { name: 'tokens_total', display_label: 'Total tokens', display_format: 'number', is_rate: false, count: true },
  { name: 'tokens_prompt', display_label: 'Prompt tokens', display_format: 'number', is_rate: false, count: true },
  { name: 'tokens_completion', display_label: 'Completion tokens', display_format: 'number', is_rate: false, count: true },
  { name: 'avg_latency', display_label: 'Average latency', display_format: 'latency', is_rate: true, latency: true },
  { name: 'p50_latency', display_label: 'p50 latency', display_format: 'latency', is_rate: true, latency: true },
  { name: 'p90_latency', display_label: 'p90 latency', display_format: 'latency', is_rate: true, latency: true },
] as const;
type MetricName = (typeof METRICS)[number]['name'];

const DIMENSIONS = [
  { name: 'model', display_label: 'Model' },
  { name: 'provider', display_label: 'Provider' },
  { name: 'api_key_id', display_label: 'API key' },
  { name: 'user', display_label: 'User' },
  { name: 'app', display_label: 'App' },
  { name: 'workspace', display_label: 'Workspace' },
  { name: 'generation_id', display_label: 'Generation' },
] as const;
type DimensionName = (typeof DIMENSIONS)[number]['name'];

const OPERATORS = [
  { name: 'eq', value_type: 'scalar' }, { name: 'neq', value_type: 'scalar' }, { name: 'in', value_type: 'array' }, { name: 'not_in', value_type: 'array' },
  { name: 'gt', value_type: 'scalar' }, { name: 'gte', value_type: 'scalar' }, { name: 'lt', value_type: 'scalar' }, { name: 'lte', value_type: 'scalar' },
];
const GRANULARITIES = ['minute', 'hour', 'day', 'week', 'month'] as const;
type Granularity = (typeof GRANULARITIES)[number];

const MAX_DIMENSIONS = 2;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
const LATENCY_MAX_RANGE_MS = 31 * 86_400_000;

/** One billed event the API aggregates: a generation, or a seeded activity row. */
interface Fact {
  at: Date;
  dims: Record<DimensionName, string | null>;
  requests: number;
  usage: number;
  byok: number;
  prompt: number;
  completion: number;
  latencies: number[];
}

function facts(ctx: RequestContext): Fact[] {
  const { state } = ctx.core;
  const keyName = (hash: string) => state.keys.get(hash)?.name ?? hash;
  const fromGenerations: Fact[] = state.generations.map((g) => ({
    at: g.createdAt,
    dims: { model: g.model, provider: g.provider, api_key_id: keyName(g.keyHash), user: g.externalUser, app: g.httpReferer, workspace: 'Default Workspace', generation_id: g.id },
    requests: 1, usage: g.cost, byok: 0, prompt: g.promptTokens, completion: g.completionTokens, latencies: [g.latencyMs],
  }));
  const fromSeeds: Fact[] = state.activitySeeds.map((s) => ({
    at: s.at,
    dims: { model: s.model, provider: s.provider ?? findModel(s.model)?.provider ?? 'Unknown', api_key_id: keyName(s.keyHash), user: null, app: null, workspace: 'Default Workspace', generation_id: null },
    requests: s.requests, usage: s.usage, byok: s.byok ?? 0, prompt: s.promptTokens ?? 0, completion: s.completionTokens ?? 0, latencies: [],
  }));
  return [...fromGenerations, ...fromSeeds];
}

export function getAnalyticsMeta(ctx: RequestContext): void {
  if (!authenticate(ctx, 'management')) return;
  sendJson(ctx.res, 200, {
    data: {
      metrics: METRICS.map(({ name, display_label, display_format, is_rate }) => ({ name, display_label, display_format, is_rate })),
      dimensions: DIMENSIONS,
      operators: OPERATORS,
      granularities: GRANULARITIES.map((name) => ({ name, display_label: name[0].toUpperCase() + name.slice(1) })),
    },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function periodStart(at: Date, g: Granularity): string {
  const d = new Date(at);
  if (g === 'minute') d.setUTCSeconds(0, 0);
  else if (g === 'hour') d.setUTCMinutes(0, 0, 0);
  else {
    d.setUTCHours(0, 0, 0, 0);
    if (g === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    if (g === 'month') d.setUTCDate(1);
  }
  return d.toISOString();
}

function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function metricValue(name: MetricName, group: Fact[]): string | number | null {
  const sum = (f: (x: Fact) => number) => group.reduce((s, x) => s + f(x), 0);
  const latencies = group.flatMap((x) => x.latencies);
  switch (name) {
    case 'request_count': return String(sum((x) => x.requests));
    case 'tokens_total': return String(sum((x) => x.prompt + x.completion));
    case 'tokens_prompt': return String(sum((x) => x.prompt));
    case 'tokens_completion': return String(sum((x) => x.completion));
    case 'total_usage': return sum((x) => x.usage + x.byok);
    case 'credits_usage': return sum((x) => x.usage);
    case 'byok_usage': {
      const byok = sum((x) => x.byok);
      return byok === 0 ? null : byok;
    }
    case 'avg_latency': return latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null;
    case 'p50_latency': return percentile(latencies, 50);
    case 'p90_latency': return percentile(latencies, 90);
  }
}

export function postAnalyticsQuery(ctx: RequestContext): void {
  if (!authenticate(ctx, 'management')) return;
  const bad = (message: string) => sendError(ctx.res, 400, `Invalid request parameters: ${message}`);
  const body = ctx.body;
  if (ctx.bodyInvalid || !isObject(body)) return bad('body must be a JSON object');
  const metricNames = METRICS.map((m) => m.name) as readonly string[];
  if (!Array.isArray(body.metrics) || body.metrics.length === 0 || !body.metrics.every((m) => typeof m === 'string' && metricNames.includes(m))) {
    return bad(`metrics must be a non-empty list of: ${metricNames.join(', ')}`);
  }
  const metrics = body.metrics as MetricName[];
  const dimensionNames = DIMENSIONS.map((d) => d.name) as readonly string[];
  const dimensions = (body.dimensions ?? []) as unknown[];
  if (!Array.isArray(dimensions) || !dimensions.every((d) => typeof d === 'string' && dimensionNames.includes(d))) {
    return bad(`dimensions must be a list of: ${dimensionNames.join(', ')}`);
  }
  if (dimensions.length > MAX_DIMENSIONS) return bad(`at most ${MAX_DIMENSIONS} dimensions`);
  const granularity = body.granularity as Granularity | undefined;
  if (granularity !== undefined && !GRANULARITIES.includes(granularity)) return bad(`granularity must be one of: ${GRANULARITIES.join(', ')}`);
  let start = -Infinity;
  let end = Infinity;
  if (body.time_range !== undefined) {
    const tr = body.time_range;
    if (!isObject(tr) || typeof tr.start !== 'string' || typeof tr.end !== 'string' || Number.isNaN(Date.parse(tr.start)) || Number.isNaN(Date.parse(tr.end))) {
      return bad('time_range needs start and end as ISO date-times');
    }
    start = Date.parse(tr.start);
    end = Date.parse(tr.end);
    if (end <= start) return bad('time_range must end after it starts');
  }
  const needsShortRange = metrics.some((m) => METRICS.find((x) => x.name === m && 'latency' in x)) || dimensions.includes('generation_id');
  if (needsShortRange && !(end - start <= LATENCY_MAX_RANGE_MS)) return bad('latency metrics and the generation_id dimension need a time_range of at most 31 days');
  const limit = body.limit === undefined ? DEFAULT_LIMIT : body.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return bad(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  const orderBy = body.order_by;
  if (orderBy !== undefined && (!isObject(orderBy) || typeof orderBy.field !== 'string' || ![...metrics, ...dimensions].includes(orderBy.field as never) || (orderBy.direction !== 'asc' && orderBy.direction !== 'desc'))) {
    return bad('order_by needs a requested metric or dimension and a direction asc or desc');
  }
  const filters = (body.filters ?? []) as unknown[];
  if (!Array.isArray(filters) || !filters.every((f) => isObject(f) && dimensionNames.includes(f.field as string) && ['eq', 'neq', 'in', 'not_in'].includes(f.operator as string))) {
    return bad('filters need a dimension field and an operator eq, neq, in or not_in');
  }

  const started = Date.now();
  const groups = new Map<string, { keys: Record<string, string | null>; facts: Fact[] }>();
  for (const fact of facts(ctx)) {
    const t = fact.at.getTime();
    if (t < start || t >= end) continue;
    const passes = (filters as Record<string, unknown>[]).every((f) => {
      const v = fact.dims[f.field as DimensionName];
      const list = Array.isArray(f.value) ? f.value : [f.value];
      const hit = list.includes(v);
      return f.operator === 'eq' || f.operator === 'in' ? hit : !hit;
    });
    if (!passes) continue;
    const keys: Record<string, string | null> = {};
    for (const d of dimensions as DimensionName[]) keys[d] = fact.dims[d];
    if (granularity) keys[`date__${granularity}`] = periodStart(fact.at, granularity);
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, facts: [] };
    group.facts.push(fact);
    groups.set(id, group);
  }
  const malformed = ctx.core.options.analyticsMalformed;
  let rows = [...groups.values()].map((g) => {
    const row: Record<string, unknown> = { ...g.keys };
    const garbled = malformed !== null && g.facts.some((f) => f.dims.model === malformed.model);
    for (const m of metrics) row[m] = garbled ? malformed.value : metricValue(m, g.facts);
    return row;
  });
  if (isObject(orderBy)) {
    const field = orderBy.field as string;
    const sign = orderBy.direction === 'asc' ? 1 : -1;
    const value = (r: Record<string, unknown>) => (typeof r[field] === 'string' && /^\d+$/.test(r[field] as string) ? Number(r[field]) : r[field]);
    rows.sort((a, b) => {
      const x = value(a) ?? '';
      const y = value(b) ?? '';
      return (x < y ? -1 : x > y ? 1 : 0) * sign;
    });
  } else if (granularity) {
    rows.sort((a, b) => String(a[`date__${granularity}`]).localeCompare(String(b[`date__${granularity}`])));
  }
  const truncated = rows.length > limit;
  rows = rows.slice(0, limit);
  sendJson(ctx.res, 200, { data: { data: rows, metadata: { query_time_ms: Date.now() - started, row_count: rows.length, truncated } } });
}
