/**
 * `stats`: requests, tokens, cost, share, error rate and latency percentiles per group over a
 * range, with an optional daily trend chart. `--by model` over whole UTC days is answered from
 * the rollups without loading the ledger (rollupReader.ts) whenever that is exact; everything
 * else loads the ledger read-only and asks it.
 */
import { LatencyAccumulator, type LatencyStats } from '../../ledger/latency';
import { nanosToUsd } from '../../ledger/normalize';
import type { ModelStats } from '../../ledger/queries';
import { PACKED_TABLE } from '../../ledger/packedRows';
import { msBound, RAW_COUNTS, SUCCESS, textOf } from '../../ledger/queryParts';
import { RANGE_OPTIONS, isoOrNull, rangeOf, str, type Range } from '../args';
import type { Command } from '../command';
import type { CliContext, ReadView } from '../context';
import { EXIT, usageError } from '../errors';
import { bars, int, json, money, ms, pct, spend, table } from '../output';
import { byModelFromRollups } from '../rollupReader';

const GROUPINGS = ['model', 'user', 'day', 'hour', 'tag', 'branch', 'workspace', 'session'] as const;
type Grouping = (typeof GROUPINGS)[number];

export interface StatsGroup {
  key: string | null;
  requests: number;
  errors: number;
  errorRate: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  /** Of the range's cost. */
  share: number;
  latency: { p50: number; p95: number; p99: number; count: number; method: LatencyStats['method'] } | null;
}

/**
 * What rows of the packed table group by for each key (tags: one group per tag, through
 * json_each); `ref`: the key is a `strings` id, shown as its text.
 */
const KEY_SQL: Record<Exclude<Grouping, 'model'>, { group: string; ref?: true; join?: string }> = {
  user: { group: 'user_id_ref', ref: true },
  day: { group: "strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch')" },
  hour: { group: "strftime('%H', ts_ms / 1000, 'unixepoch')" },
  tag: { group: 't.value', join: 'LEFT JOIN json_each(g.tags) AS t' },
  branch: { group: 'git_branch_ref', ref: true },
  workspace: { group: 'workspace_ref', ref: true },
  session: { group: 'chat_session_ref', ref: true },
};

const latencyOf = (s: LatencyStats | null): StatsGroup['latency'] =>
  s ? { p50: s.p50, p95: s.p95, p99: s.p99, count: s.count, method: s.method } : null;

function fromModels(models: ModelStats[]): StatsGroup[] {
  return models.map((m) => ({
    key: m.model, requests: m.requests, errors: m.errors, errorRate: m.errorRate, promptTokens: m.promptTokens,
    completionTokens: m.completionTokens, cost: m.cost, share: m.costShare, latency: latencyOf(m.latency),
  }));
}

/** The range as bounds on `ts_ms` (open ends: beyond any timestamp). */
function bounds(range: Range): [number, number] {
  return [msBound(range.from ?? -Infinity), msBound(range.to ?? Infinity)];
}

function rawGroups(view: ReadView, by: Exclude<Grouping, 'model'>, range: Range): StatsGroup[] {
  const { group, ref, join = '' } = KEY_SQL[by];
  const [from, to] = bounds(range);
  // Rows group by their packed key; only each group's key is turned into text (queryParts.ts).
  const grouped = view.ldb.all(`SELECT ${group} AS k, ${ref ? textOf(group) : group}, ${RAW_COUNTS} FROM ${PACKED_TABLE} AS g ${join}
      WHERE ts_ms >= ? AND ts_ms < ? GROUP BY k`, [from, to]);
  const textOfKey = new Map(grouped.map((r) => [r[0], r[1] as string | null]));
  // [key, requests, errors, prompt tokens, completion tokens, cost]
  const rows = grouped.map((r) => [r[1], r[2], r[3], r[4], r[5], r[8]]);
  const latencies = new Map<string | null, number[]>();
  for (const [k, latency] of view.ldb.all(`SELECT ${group} AS k, latency_ms FROM ${PACKED_TABLE} AS g ${join}
      WHERE ts_ms >= ? AND ts_ms < ? AND ${SUCCESS} AND latency_ms IS NOT NULL`, [from, to])) {
    const key = textOfKey.get(k) ?? null;
    const list = latencies.get(key) ?? [];
    list.push(latency as number);
    latencies.set(key, list);
  }
  // Stored in nano-dollars: the sums are exact, and USD from here on.
  for (const r of rows) r[5] = nanosToUsd(typeof r[5] === 'number' ? r[5] : 0);
  const cost = rows.reduce((s, r) => s + (r[5] as number), 0);
  return rows
    .map((r) => {
      const values = latencies.get(r[0] as string | null) ?? [];
      const acc = new LatencyAccumulator();
      for (const v of values) acc.addValue(v);
      const requests = r[1] as number;
      return {
        key: (r[0] as string | null) ?? null, requests, errors: r[2] as number, errorRate: requests ? (r[2] as number) / requests : 0,
        promptTokens: r[3] as number, completionTokens: r[4] as number, cost: r[5] as number, share: cost ? (r[5] as number) / cost : 0,
        latency: latencyOf(acc.stats(values)),
      };
    })
    .sort((a, b) => (by === 'day' || by === 'hour' ? String(a.key).localeCompare(String(b.key)) : b.cost - a.cost || b.requests - a.requests));
}

export interface StatsResult {
  range: { from: string | null; to: string | null; label: string };
  by: Grouping;
  /** `rollups`: read from the rollup pages of ledger.sqlite plus the journals; `ledger`: the ledger loaded in full. */
  source: 'rollups' | 'ledger';
  totals: { requests: number; errors: number; errorRate: number; promptTokens: number; completionTokens: number; cost: number };
  /** Requests of the range possibly billed whose cost is not known yet: every `cost` is then a lower bound. */
  uncostedRequests: number;
  groups: StatsGroup[];
  daily?: { day: string; requests: number; cost: number }[];
}

function totalsOf(groups: StatsGroup[]): StatsResult['totals'] {
  const t = groups.reduce((s, g) => ({
    requests: s.requests + g.requests, errors: s.errors + g.errors, promptTokens: s.promptTokens + g.promptTokens,
    completionTokens: s.completionTokens + g.completionTokens, cost: s.cost + g.cost,
  }), { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0 });
  return { ...t, errorRate: t.requests ? t.errors / t.requests : 0 };
}

export async function computeStats(ctx: CliContext, range: Range, by: Grouping, chart: boolean): Promise<StatsResult> {
  const head = { range: { from: isoOrNull(range.from), to: isoOrNull(range.to), label: range.label }, by };
  if (by === 'model' && !chart) {
    const fast = await byModelFromRollups(ctx.requireLedger(), range);
    if ('models' in fast) {
      const groups = fromModels(fast.models);
      return { ...head, source: 'rollups', totals: totalsOf(groups), uncostedRequests: fast.uncosted, groups };
    }
    ctx.out.verbose(`loading the whole ledger: ${fast.fallback}`);
  }
  const view = await ctx.readLedger();
  try {
    const timeRange = { from: range.from, to: range.to };
    const groups = by === 'model' ? fromModels(view.queries.byModel(timeRange)) : rawGroups(view, by, range);
    const s = view.queries.summary(timeRange);
    const totals = { requests: s.requests, errors: s.errors, errorRate: s.errorRate, promptTokens: s.promptTokens, completionTokens: s.completionTokens, cost: s.cost };
    const series = chart ? view.queries.dailySeries(timeRange).map((d) => ({ day: d.day, requests: d.requests, cost: d.cost })) : undefined;
    // An open range would chart every empty day up to today: keep from the first to the last day with requests.
    const used = series?.map((d, i) => (d.requests ? i : -1)).filter((i) => i >= 0) ?? [];
    const daily = series && (range.from === null || range.to === null) ? series.slice(used[0] ?? 0, (used[used.length - 1] ?? -1) + 1) : series;
    return { ...head, source: 'ledger', totals, uncostedRequests: s.uncosted ?? 0, groups, ...(daily ? { daily } : {}) };
  } finally {
    view.close();
  }
}

export const statsCommand: Command = {
  name: 'stats',
  usage: 'stats [--today | --month | --days N | --from D --to D | --all] [--by model|user|day|hour|tag|branch|workspace|session] [--chart]',
  options: { ...RANGE_OPTIONS, by: { type: 'string' }, chart: { type: 'boolean' } },
  async run(ctx, values) {
    const by = (str(values, 'by') ?? 'model') as Grouping;
    if (!GROUPINGS.includes(by)) throw usageError(`--by must be one of ${GROUPINGS.join(', ')}; got "${by}".`);
    const range = rangeOf(values, ctx.now(), 'all');
    const result = await computeStats(ctx, range, by, values.chart === true);
    if (ctx.json) {
      ctx.out.stdout(json(result));
      return EXIT.ok;
    }
    const t = result.totals;
    ctx.out.stdout(`OpenRouter Ledger statistics — ${range.label}\n\n`);
    const right = { align: 'right' as const };
    ctx.out.stdout(table(
      [{ header: by }, { header: 'requests', ...right }, { header: 'tokens in', ...right }, { header: 'tokens out', ...right }, { header: 'cost', ...right },
        { header: 'share', ...right }, { header: 'error rate', ...right }, { header: 'p50', ...right }, { header: 'p95', ...right }, { header: 'p99', ...right }],
      result.groups.map((g) => [g.key ?? '(none)', int(g.requests), int(g.promptTokens), int(g.completionTokens), money(g.cost), pct(g.share),
        pct(g.errorRate), ms(g.latency?.p50), ms(g.latency?.p95), ms(g.latency?.p99)]),
      ['total', int(t.requests), int(t.promptTokens), int(t.completionTokens), result.uncostedRequests ? `≥ ${money(t.cost)}` : money(t.cost), result.groups.length ? '100.0%' : '–', pct(t.errorRate), '', '', ''],
    ));
    if (by === 'tag') ctx.out.stdout('A request with several tags counts in each of them; the total counts it once.\n');
    if (result.uncostedRequests) {
      ctx.out.stdout(`Total cost ${spend(t.cost, result.uncostedRequests)}: their cost is not known yet (the exact figure comes from /generation).\n`);
    }
    if (result.daily) {
      ctx.out.stdout('\nDaily cost (UTC)\n');
      ctx.out.stdout(bars(result.daily.map((d) => ({ label: d.day, value: d.cost, text: money(d.cost) }))));
    }
    return EXIT.ok;
  },
};
