/**
 * The dashboard's and cost view's data preparation against real ledgers (sql.js files in temp
 * folders). The clock is injected: every case passes its own `now`, so the expected figures
 * below are computed by hand from the rows each case writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { offsetFunction } from '../../src/ledger/timeZone';
import type { ModelInfo, ModelPricing } from '../../src/openrouter/types';
import { prepareBreakdowns, prepareDashboard, type DashboardInput } from '../../src/webviews/dashboard/data';
import { MAX_CHART_MODELS, OTHER_MODELS } from '../../src/webviews/dashboard/constants';
import { dashboardPayloadCheck } from '../../src/webviews/dashboard/payloadCheck';
import { whatIf } from '../../src/webviews/dashboard/whatIf';
import { prepareReconciliation } from '../../src/webviews/dashboard/reconciliation';
import { prepareCostView } from '../../src/webviews/costView/data';
import { resolveSelection } from '../../src/webviews/shared/ranges';
import { balanceFromSnapshot, burnRate, projectMonthEnd, runway } from '../../src/webviews/shared/forecast';
import { keyInfo } from './helpers/fixtures';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const close = (a: number | null | undefined, b: number, message?: string) => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${message ?? ''} expected ${b}, got ${a}`);
};

const NY = { timeZone: 'America/New_York' } as const;

describe('dashboard ranges in the ledger time zone', () => {
  const now = Date.UTC(2025, 2, 12, 12, 0); // Wed 12 March 2025, 08:00 in New York (EDT)

  it('covers the last 7 local days including today, from local midnight', () => {
    const r = resolveSelection({ preset: '7d' }, now, offsetFunction(NY));
    assert.equal(r.firstDay, '2025-03-06');
    assert.equal(r.lastDay, '2025-03-12');
    assert.equal(new Date(r.from).toISOString(), '2025-03-06T05:00:00.000Z'); // EST before the switch
    assert.equal(r.to, now + 1);
  });

  it('starts this month at the local first of the month', () => {
    const r = resolveSelection({ preset: 'month' }, now, offsetFunction(NY));
    assert.equal(new Date(r.from).toISOString(), '2025-03-01T05:00:00.000Z');
  });

  it('makes the spring-forward day 23 hours long in a custom range', () => {
    const r = resolveSelection({ preset: 'custom', fromDay: '2025-03-09', toDay: '2025-03-09' }, now, offsetFunction(NY));
    assert.equal(new Date(r.from).toISOString(), '2025-03-09T05:00:00.000Z');
    assert.equal(new Date(r.to).toISOString(), '2025-03-10T04:00:00.000Z');
  });

  it('is a rolling 24 hours for the 24 h preset', () => {
    const r = resolveSelection({ preset: '24h' }, now, offsetFunction('utc'));
    assert.equal(r.to - r.from, 86_400_000 + 1);
  });

  it('rejects a custom range that ends before it starts, with a sentence', () => {
    assert.throws(() => resolveSelection({ preset: 'custom', fromDay: '2025-03-09', toDay: '2025-03-01' }, now, offsetFunction('utc')), /before its first day/);
    assert.throws(() => resolveSelection({ preset: 'custom', fromDay: '2025-02-30', toDay: '2025-03-01' }, now, offsetFunction('utc')), /YYYY-MM-DD/);
  });
});

describe('dashboard payload from a real ledger (UTC)', () => {
  const now = Date.UTC(2025, 0, 10, 12, 0); // Fri 10 January 2025, 12:00 UTC
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;
  const input = (overrides: Partial<DashboardInput> = {}): DashboardInput => ({
    selection: { preset: '7d' }, source: 'ledger', whatIfTarget: null, now, timeZone: 'utc',
    budget: { daily: 0, monthly: 10 }, balance: null, catalogue: null, ...overrides,
  });

  before(async () => {
    dir = tempDir('dashboard-data-');
    ledger = await open(dir.dir);
    await ledger.appendGeneration(row({ ts: '2025-01-04T10:00:00Z', modelUsed: 'openai/gpt-4o', totalCost: 1, promptTokens: 1000, completionTokens: 500 }));
    await ledger.appendGeneration(row({ ts: '2025-01-06T23:30:00Z', modelUsed: 'anthropic/claude-sonnet-4', modelRequested: 'anthropic/claude-sonnet-4', totalCost: 2, tags: ['bugfix'], chatSession: 's1' }));
    await ledger.appendGeneration(row({ ts: '2025-01-09T08:00:00Z', modelUsed: 'openai/gpt-4o', totalCost: 0, status: 'error', httpStatus: 500, latencyMs: null }));
    await ledger.appendGeneration(row({ ts: '2025-01-10T09:00:00Z', modelUsed: 'openai/gpt-4o-mini', modelRequested: 'openai/gpt-4o-mini', totalCost: 0.25, tags: ['bugfix', 'docs'], chatSession: 's1' }));
    await ledger.appendGeneration(row({ ts: '2024-12-20T12:00:00Z', modelUsed: 'openai/gpt-4o', totalCost: 5 }));
    await ledger.addCreditSnapshot({ at: '2025-01-10T11:00:00Z', keyLabel: 'sk-or-v1-abc…wxyz', key: keyInfo({ usage: 15 }), credits: { totalCredits: 20, totalUsage: 15 } });
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  it('sums the KPIs of the range and leaves older rows out', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    close(p.kpis.spend, 3.25);
    assert.equal(p.kpis.requests, 4);
    close(p.kpis.errorRate, 0.25);
    close(p.kpis.avgCostPerRequest, 0.8125);
  });

  it('fills every day of the range, stacked by model', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    assert.deepEqual(p.daily.days, ['2025-01-04', '2025-01-05', '2025-01-06', '2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10']);
    const series = Object.fromEntries(p.daily.series.map((s) => [s.model, s.values]));
    assert.deepEqual(series['anthropic/claude-sonnet-4'], [0, 0, 2, 0, 0, 0, 0]);
    assert.deepEqual(series['openai/gpt-4o'], [1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(series['openai/gpt-4o-mini'], [0, 0, 0, 0, 0, 0, 0.25]);
  });

  it('runs the cumulative month up to today, then leaves the rest of the month empty', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    assert.equal(p.cumulative.days.length, 31);
    assert.deepEqual(p.cumulative.actual.slice(0, 10), [0, 0, 0, 1, 1, 3, 3, 3, 3, 3.25]);
    assert.ok(p.cumulative.actual.slice(10).every((v) => v === null));
    assert.equal(p.cumulative.budget, 10);
  });

  it('projects the month end at the last 7 days’ burn and compares it with the budget', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    // 3.25 spent in the 7 days before now → 3.25/7 a day; 21.5 days left in January.
    close(p.kpis.burn.perDay, 3.25 / 7);
    close(p.kpis.projection.projected, 3.25 + (3.25 / 7) * 21.5);
    close(p.kpis.projection.overBudgetBy, 3.25 + (3.25 / 7) * 21.5 - 10);
  });

  it('takes spendable now from the newest credit snapshot and derives the runway', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    assert.equal(p.kpis.balance?.binding, 'credits');
    close(p.kpis.balance?.amount, 5);
    assert.equal(p.kpis.runway.kind, 'days');
    close(p.kpis.runway.kind === 'days' ? p.kpis.runway.days : null, 5 / (3.25 / 7));
  });

  it('prefers a fresher live reading over the stored snapshot', async () => {
    const live = { amount: 1, binding: 'key-limit' as const, keyLimit: 4, totalCredits: null, at: now };
    const p = await prepareDashboard(ledger.queries, input({ balance: live }));
    close(p.kpis.balance?.amount, 1);
  });

  it('lists sessions and tags, a request with two tags counting for both', async () => {
    const p = await prepareDashboard(ledger.queries, input());
    const tags = Object.fromEntries(p.tables.tags.map((t) => [t.label, t.cost]));
    assert.deepEqual(tags, { bugfix: 2.25, docs: 0.25 });
    const s1 = p.tables.sessions.find((s) => s.label === 's1');
    assert.equal(s1?.requests, 2);
    close(s1?.cost ?? null, 2.25);
    assert.deepEqual(p.tables.errorTypes.map((e) => [e.label, e.errors]), [['HTTP 500', 1]]);
  });

  it('can leave the session and tag tables for a second step, which then supplies the same rows', async () => {
    const fast = await prepareDashboard(ledger.queries, input(), { breakdowns: false });
    assert.equal(fast.breakdownsPending, true);
    assert.deepEqual([fast.tables.sessions, fast.tables.tags], [[], []]);
    const full = await prepareDashboard(ledger.queries, input());
    assert.equal(full.breakdownsPending, false);
    assert.deepEqual(await prepareBreakdowns(ledger.queries, input()), { sessions: full.tables.sessions, tags: full.tables.tags });
    assert.deepEqual({ ...fast, breakdownsPending: false, tables: { ...fast.tables, sessions: full.tables.sessions, tags: full.tables.tags } }, full);
  });

  it('says unknown, not $0, when no credit figure was ever read', async () => {
    const empty = tempDir('dashboard-empty-');
    const l = await open(empty.dir);
    try {
      const p = await prepareDashboard(l.queries, input());
      assert.equal(p.kpis.balance, null);
      assert.equal(p.kpis.runway.kind, 'unknown');
      assert.equal(p.kpis.errorRate, null);
      assert.equal(p.kpis.avgCostPerRequest, null);
    } finally {
      await l.close();
      empty.cleanup();
    }
  });

  it('with more models than a chart carries, the payload still passes the webview\'s checks and the share still adds up', async () => {
    const many = tempDir('dashboard-thousands-');
    const l = await open(many.dir);
    try {
      // 1,005 distinct models (an import from another tool), $1 each, one of them $10.
      await Promise.all(Array.from({ length: MAX_CHART_MODELS + 5 }, (_, i) => l.appendGeneration(row({
        ts: '2025-01-09T10:00:00Z', generationId: `many-${i}`, modelUsed: `vendor/model-${i}`, modelRequested: `vendor/model-${i}`, totalCost: i === 500 ? 10 : 1,
      }))));
      const p = await prepareDashboard(l.queries, input());
      assert.equal(dashboardPayloadCheck(p, 'payload'), null, 'the webview would accept it');
      assert.equal(p.modelShare.length, MAX_CHART_MODELS);
      assert.deepEqual(p.modelShare[0], { model: 'vendor/model-500', cost: 10 });
      assert.deepEqual(p.modelShare.at(-1), { model: OTHER_MODELS, cost: 6 }, 'the six cheapest past the limit summed');
      assert.equal(p.modelShare.reduce((sum, m) => sum + m.cost, 0), 1_014);
      assert.equal(p.errorRates.length, MAX_CHART_MODELS);
    } finally {
      await l.close();
      many.cleanup();
    }
  });

  it('groups models beyond the seven most expensive as other models', async () => {
    const many = tempDir('dashboard-many-');
    const l = await open(many.dir);
    try {
      for (let i = 0; i < 9; i++) {
        await l.appendGeneration(row({ ts: '2025-01-09T10:00:00Z', modelUsed: `m/${i}`, modelRequested: `m/${i}`, totalCost: 10 - i }));
      }
      const p = await prepareDashboard(l.queries, input());
      assert.equal(p.daily.series.length, 8);
      const other = p.daily.series.find((s) => s.model === OTHER_MODELS);
      assert.equal(other?.values[5], 3 + 2); // m/7 ($3) and m/8 ($2), the two cheapest
    } finally {
      await l.close();
      many.cleanup();
    }
  });
});

describe('dashboard days across a DST change (America/New_York)', () => {
  const now = Date.UTC(2025, 2, 12, 12, 0);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;

  before(async () => {
    dir = tempDir('dashboard-dst-');
    ledger = await open(dir.dir);
    await ledger.appendGeneration(row({ ts: '2025-03-09T04:30:00Z', totalCost: 2 })); // 8 March, 23:30 EST
    await ledger.appendGeneration(row({ ts: '2025-03-10T03:30:00Z', totalCost: 1 })); // 9 March, 23:30 EDT
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  it('puts each request on its local day, on both sides of the switch', async () => {
    const p = await prepareDashboard(ledger.queries, {
      selection: { preset: '7d' }, source: 'ledger', whatIfTarget: null, now, timeZone: NY, budget: { daily: 0, monthly: 0 }, balance: null, catalogue: null,
    });
    const values = p.daily.series.find((s) => s.model === 'openai/gpt-4o')!.values;
    assert.deepEqual(p.daily.days.slice(2, 4), ['2025-03-08', '2025-03-09']);
    assert.deepEqual(values.slice(2, 4), [2, 1]);
    assert.equal(p.kpis.projection.budget, null);
  });

  it('counts only the 23 hours of the spring-forward day in a custom range', async () => {
    const p = await prepareDashboard(ledger.queries, {
      selection: { preset: 'custom', fromDay: '2025-03-09', toDay: '2025-03-09' }, source: 'ledger', whatIfTarget: null, now, timeZone: NY,
      budget: { daily: 0, monthly: 0 }, balance: null, catalogue: null,
    });
    close(p.kpis.spend, 1);
    assert.deepEqual(p.daily.days, ['2025-03-09']);
  });
});

describe('runway and burn from credit snapshots', () => {
  const now = Date.UTC(2025, 0, 10, 12, 0);
  const snap = (ts: string, totalUsage: number | null, extra: Partial<Parameters<typeof balanceFromSnapshot>[0]> = {}) => ({
    ts, keyLabel: null, limit: null, limitRemaining: null, usage: null, usageDaily: null, usageWeekly: null, usageMonthly: null,
    byokUsage: null, totalCredits: 20, totalUsage, ...extra,
  });

  it('uses the account’s usage growth when it is faster than the ledger’s spend', () => {
    // total_usage grew from 8 to 15 over 6 days: 7/6 a day, more than the ledger's 3.25/7.
    const burn = burnRate(3.25, [snap('2025-01-04T11:00:00Z', 8), snap('2025-01-10T11:00:00Z', 15)], now);
    assert.equal(burn.source, 'account');
    close(burn.perDay, 7 / 6);
    const r = runway(balanceFromSnapshot(snap('2025-01-10T11:00:00Z', 15)), burn, now);
    close(r.kind === 'days' ? r.days : null, 5 / (7 / 6));
  });

  it('ignores snapshots less than a day apart and a counter that went down', () => {
    assert.equal(burnRate(7, [snap('2025-01-10T09:00:00Z', 1), snap('2025-01-10T11:00:00Z', 9)], now).source, 'ledger');
    assert.equal(burnRate(7, [snap('2025-01-04T11:00:00Z', 9), snap('2025-01-10T11:00:00Z', 1)], now).source, 'ledger');
  });

  it('is bound by the key limit when it is lower than the credits', () => {
    const b = balanceFromSnapshot(snap('2025-01-10T11:00:00Z', 15, { limit: 10, limitRemaining: 2 }));
    assert.deepEqual([b.binding, b.amount, b.keyLimit], ['key-limit', 2, 10]);
  });

  it('says no limit when neither credits nor a key limit bound spending', () => {
    const b = balanceFromSnapshot(snap('2025-01-10T11:00:00Z', null, { totalCredits: null }));
    assert.equal(runway(b, { perDay: 1, source: 'ledger' }, now).kind, 'no-limit');
  });

  it('does not believe /credits zeros for a key that has spent', () => {
    const b = balanceFromSnapshot(snap('2025-01-10T11:00:00Z', 0, { totalCredits: 0, usage: 3 }));
    assert.equal(b.amount, null);
  });

  it('says no spend rather than dividing by zero, and exhausted at zero', () => {
    const b = balanceFromSnapshot(snap('2025-01-10T11:00:00Z', 15));
    assert.equal(runway(b, { perDay: 0, source: 'ledger' }, now).kind, 'no-spend');
    assert.equal(runway({ ...b, amount: 0 }, { perDay: 1, source: 'ledger' }, now).kind, 'exhausted');
  });

  it('projects nothing over the month when the month is over', () => {
    const p = projectMonthEnd(4, { perDay: 1, source: 'ledger' }, Date.UTC(2025, 1, 1), Date.UTC(2025, 1, 1), 0);
    assert.deepEqual(p, { monthToDate: 4, projected: 4, budget: null, overBudgetBy: null });
  });
});

function model(id: string, pricing: Partial<ModelPricing>): ModelInfo {
  return {
    id, canonicalSlug: id, name: id, created: null, contextLength: null, maxCompletionTokens: null, supportedParameters: [],
    pricing: {
      prompt: null, completion: null, request: 0, image: 0, webSearch: 0, internalReasoning: 0, inputCacheRead: null, inputCacheWrite: null,
      discount: 0, overrides: [], ...pricing,
    },
  };
}

describe('what-if pricing', () => {
  const at = new Date(Date.UTC(2025, 0, 10, 12));
  const catalogue = [
    model('mistralai/mistral-large', { prompt: 2e-6, completion: 6e-6, discount: 0.25, inputCacheRead: 1e-6 }),
    model('google/gemini-2.5-pro', { prompt: 1.25e-6, completion: 1e-5, overrides: [{ minPromptTokens: 200_000, prices: { prompt: 2.5e-6 } }] }),
    model('acme/no-completion-price', { prompt: 1e-6, completion: null }),
    model('openrouter/auto', { prompt: null, completion: null }),
  ];
  const usage = { model: 'openai/gpt-4o', requests: 10, promptTokens: 1_000_000, completionTokens: 100_000, cachedTokens: 0, cost: 3.5 };

  it('prices the real tokens at the target’s discounted prices', () => {
    const r = whatIf([usage], 'mistralai/mistral-large', catalogue, at);
    close(r.rows[0].wouldCost, (2 + 0.6) * 0.75); // $1.95
    close(r.rows[0].change, 1.95 / 3.5 - 1);
    close(r.total.wouldCost, 1.95);
  });

  it('prices cached prompt tokens at the cache-read price', () => {
    const r = whatIf([{ ...usage, cachedTokens: 200_000 }], 'mistralai/mistral-large', catalogue, at);
    close(r.rows[0].wouldCost, (1.6 + 0.2 + 0.6) * 0.75);
  });

  it('applies a size tier by the average prompt of the requests', () => {
    const r = whatIf([{ ...usage, requests: 1, promptTokens: 300_000, completionTokens: 0 }], 'google/gemini-2.5-pro', catalogue, at);
    close(r.rows[0].wouldCost, 300_000 * 2.5e-6);
  });

  it('prices a :floor target at its model’s listed price and says so, claiming no saving of its own', () => {
    // /models lists one price per model; :floor only sorts providers by price (OpenRouter docs).
    const r = whatIf([usage], 'mistralai/mistral-large:floor', catalogue, at);
    assert.equal(r.sameListedPriceAs, 'mistralai/mistral-large');
    close(r.rows[0].wouldCost, 1.95);
    assert.equal(r.total.wouldCost, whatIf([usage], 'mistralai/mistral-large', catalogue, at).total.wouldCost);
    assert.equal(whatIf([usage], 'mistralai/mistral-large', catalogue, at).sameListedPriceAs, null);
  });

  it('says unknown for a missing price, a router and an unlisted model — never $0', () => {
    const missing = whatIf([usage], 'acme/no-completion-price', catalogue, at);
    assert.equal(missing.rows[0].wouldCost, null);
    assert.equal(missing.total.wouldCost, null);
    assert.equal(missing.unknownReason, 'no-price');
    assert.equal(whatIf([usage], 'openrouter/auto', catalogue, at).unknownReason, 'router');
    assert.equal(whatIf([usage], 'nobody/nothing', catalogue, at).unknownReason, 'unlisted');
  });
});

describe('cost view payload', () => {
  const now = Date.UTC(2025, 0, 10, 12, 0);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;

  before(async () => {
    dir = tempDir('cost-view-');
    ledger = await open(dir.dir);
    for (let i = 0; i < 7; i++) {
      await ledger.appendGeneration(row({ generationId: `gen-cost-${i}`, ts: Date.UTC(2025, 0, 10, 1 + i), totalCost: 0.1 * (i + 1) }));
    }
    await ledger.appendGeneration(row({ generationId: 'gen-old', ts: '2024-12-31T12:00:00Z', totalCost: 4 }));
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  it('shows today and the month against the budgets, the newest five generations and 14 days', async () => {
    const p = await prepareCostView(ledger.queries, {
      now, timeZone: 'utc', budget: { daily: 5, monthly: 0 },
      balance: { amount: 2, binding: 'key-limit', keyLimit: 8, totalCredits: null, at: now },
    });
    close(p.today.spent, 0.1 + 0.2 + 0.3 + 0.4 + 0.5 + 0.6 + 0.7);
    assert.equal(p.today.budget, 5);
    assert.equal(p.month.budget, null);
    assert.deepEqual(p.recent.map((g) => g.id), ['gen-cost-6', 'gen-cost-5', 'gen-cost-4', 'gen-cost-3', 'gen-cost-2']);
    // Rows written with the stream's usage wait for /generation: shown as pricing, not final.
    assert.deepEqual(p.recent.map((g) => g.final), [false, false, false, false, false]);
    assert.equal(p.sparkline.days.length, 14);
    assert.equal(p.sparkline.days[0], '2024-12-28');
    close(p.sparkline.cost[3], 4);
    close(p.barFraction, 0.25);
  });
});

describe('reconciliation table', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;
  const range = { from: Date.UTC(2025, 0, 4), to: Date.UTC(2025, 0, 11) };
  const activityRow = (date: string, usage: number, requests: number) => ({
    date, model: 'openai/gpt-4o', modelPermaslug: 'openai/gpt-4o', endpointId: 'e', providerName: 'OpenAI', usage, byokUsageInference: 0,
    requests, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, workspaceId: null,
  });

  before(async () => {
    dir = tempDir('dashboard-reconcile-');
    ledger = await open(dir.dir);
    await ledger.appendGeneration(row({ ts: '2025-01-08T10:00:00Z', totalCost: 1 }));
    await ledger.appendGeneration(row({ ts: '2025-01-09T10:00:00Z', totalCost: 0.3 }));
    await ledger.upsertActivity([activityRow('2025-01-08', 1.5, 2), activityRow('2025-01-09', 0.2, 1)], 'hash-of-key');
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  it('lists spend from outside the extension and other differences per day and model', async () => {
    const r = await prepareReconciliation(ledger.queries, range, 'hash-of-key');
    assert.deepEqual(r?.rows.map((c) => [c.date, c.kind]), [['2025-01-09', 'mismatch'], ['2025-01-08', 'outside']]);
    close(r?.outsideTotal, 0.5);
    close(r?.mismatchTotal, 0.1);
  });

  it('shows nothing before reconciliation stored activity for the key', async () => {
    assert.equal(await prepareReconciliation(ledger.queries, range, 'another-key'), null);
    assert.equal(await prepareReconciliation(ledger.queries, range, null), null);
  });
});
