/**
 * The dashboard's whole-account source against the simulator's Analytics API over real HTTP:
 * management key only, string-typed counts, `truncated`, the dimension and range limits, and
 * the fallback to the ledger's activity_daily without a management key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { KeyKind } from '../../src/openrouter/types';
import { ACCOUNT_NOTICES, analyticsNumber, prepareAccountDashboard } from '../../src/webviews/dashboard/account';
import type { DashboardInput } from '../../src/webviews/dashboard/data';
import { startSimulator, type Simulator } from '../simulator';
import { open, tempDir } from './helpers/ledgerFixtures';
import { rejection } from './helpers/rejection';

let sim: Simulator;
let transport: ClosableTransport;
let dir: ReturnType<typeof tempDir>;
let ledger: Awaited<ReturnType<typeof open>>;

function client(keys: Partial<Record<KeyKind, string>>): OpenRouterClient {
  return new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async (kind) => keys[kind], transport, timeoutMs: 5_000, retry: { maxAttempts: 1 } });
}

async function post(path: string, key: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sim.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const input = (): DashboardInput => ({
  selection: { preset: '7d' }, source: 'account', whatIfTarget: null, now: Date.now(), timeZone: 'utc',
  budget: { daily: 0, monthly: 0 }, balance: null, catalogue: null,
});

const range = () => ({ start: new Date(Date.now() - 7 * 86_400_000).toISOString(), end: new Date(Date.now() + 60_000).toISOString() });

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
  transport = undiciTransport();
  dir = tempDir('dashboard-account-');
  ledger = await open(dir.dir);
  const inference = client({ inference: sim.inferenceKey });
  await inference.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello [[tokens:10]]' }], maxTokens: 50 });
  await inference.chat({ model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'hello again [[tokens:20]]' }], maxTokens: 50 });
  sim.seedActivity([{ daysAgo: 2, model: 'openai/gpt-4o', usage: 1.5, requests: 3, promptTokens: 300, completionTokens: 30 }]);
});

after(async () => {
  await ledger?.close();
  dir?.cleanup();
  await transport?.close();
  await sim?.close();
});

describe('Analytics API in the simulator', () => {
  it('answers only a management key: 403 for an inference key', async () => {
    const r = await post('/analytics/query', sim.inferenceKey, { metrics: ['request_count'] });
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /Only management keys/);
    const meta = await fetch(`${sim.baseUrl}/analytics/meta`, { headers: { authorization: `Bearer ${sim.inferenceKey}` } });
    assert.equal(meta.status, 403);
  });

  it('lists its metrics, dimensions and granularities', async () => {
    const meta = await client({ management: sim.managementKey }).getAnalyticsMeta();
    assert.ok(meta.metrics.some((m) => m.name === 'total_usage' && m.displayFormat === 'currency'));
    assert.ok(meta.dimensions.some((d) => d.name === 'model'));
    assert.deepEqual(meta.granularities, ['minute', 'hour', 'day', 'week', 'month']);
  });

  it('sends counts as strings and money as numbers', async () => {
    const r = await post('/analytics/query', sim.managementKey, { metrics: ['request_count', 'total_usage', 'byok_usage'], time_range: range() });
    assert.equal(r.status, 200);
    const row = r.json.data.data[0];
    assert.equal(row.request_count, '5'); // 2 completions + 3 seeded requests
    assert.equal(typeof row.total_usage, 'number');
    assert.equal(row.byok_usage, null);
    assert.equal(analyticsNumber(row.request_count), 5);
  });

  it('cuts rows beyond the limit and says so', async () => {
    const answer = await client({ management: sim.managementKey }).queryAnalytics({ metrics: ['total_usage'], dimensions: ['model'], time_range: range(), limit: 1 });
    assert.equal(answer.rows.length, 1);
    assert.equal(answer.truncated, true);
  });

  it('refuses a third dimension and latency over more than 31 days', async () => {
    const c = client({ management: sim.managementKey });
    const three = await rejection(c.queryAnalytics({ metrics: ['total_usage'], dimensions: ['model', 'provider', 'user'], time_range: range() }));
    assert.equal((three as { status?: number }).status, 400);
    const long = await rejection(c.queryAnalytics({ metrics: ['p50_latency'], time_range: { start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z' } }));
    assert.equal((long as { status?: number }).status, 400);
  });
});

describe('dashboard account source', () => {
  it('totals the whole account from Analytics, today included, by key and provider', async () => {
    const c = client({ management: sim.managementKey });
    const p = await prepareAccountDashboard(ledger.queries, input(), { query: (q) => c.queryAnalytics(q) });
    const total = sim.generations().reduce((s, g) => s + g.cost, 0) + 1.5;
    assert.ok(p.kpis.spend !== null && Math.abs(p.kpis.spend - total) < 1e-9, `spend ${p.kpis.spend} vs ${total}`);
    assert.equal(p.kpis.requests, 5);
    assert.equal(p.kpis.errorRate, null, 'OpenRouter does not report failures: unknown, not 0%');
    assert.deepEqual(p.tables.keys.map((k) => k.label), ['Simulator default key']);
    assert.ok(p.tables.providers.some((r) => r.label === 'Anthropic'));
    const today = new Date().toISOString().slice(0, 10);
    const todayIndex = p.daily.days.indexOf(today);
    assert.ok(todayIndex >= 0);
    assert.ok(p.daily.series.some((s) => s.values[todayIndex] > 0), 'today’s completions are in the chart');
    assert.ok(!p.notices.includes(ACCOUNT_NOTICES.truncated));
  });

  it('warns when an Analytics answer was truncated', async () => {
    for (let i = 0; i < 21; i++) {
      const { key } = sim.createKey({ name: `Team key ${i}` });
      await client({ inference: key }).chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `hi ${i}` }], maxTokens: 5 });
    }
    const c = client({ management: sim.managementKey });
    const p = await prepareAccountDashboard(ledger.queries, input(), { query: (q) => c.queryAnalytics(q) });
    assert.equal(p.tables.keys.length, 20);
    assert.ok(p.notices.includes(ACCOUNT_NOTICES.truncated));
  });

  it('falls back to the stored daily activity without a management key, and says today is missing', async () => {
    await ledger.upsertActivity(await client({ management: sim.managementKey }).getActivity());
    const p = await prepareAccountDashboard(ledger.queries, input(), null);
    assert.ok(p.notices.includes(ACCOUNT_NOTICES.activityOnly));
    assert.equal(p.kpis.spend, 1.5); // only the seeded day: /activity excludes today
    assert.equal(p.kpis.requests, 3);
    assert.equal(p.unavailable.hourly, ACCOUNT_NOTICES.hourlyNeedsAnalytics, 'daily activity has no hours: said, not an empty chart');
  });

  it('is in UTC days whatever ledger.timeZone says, and labels them UTC', async () => {
    const c = client({ management: sim.managementKey });
    const todayUtc = new Date().toISOString().slice(0, 10);
    // One of these zones is on another calendar day than UTC at any time of day.
    for (const timeZone of ['Pacific/Kiritimati', 'Etc/GMT+12']) {
      const p = await prepareAccountDashboard(ledger.queries, { ...input(), timeZone: { timeZone } }, { query: (q) => c.queryAnalytics(q) });
      assert.equal(p.range.timeZone, 'UTC', timeZone);
      assert.equal(p.range.lastDay, todayUtc, timeZone);
      assert.equal(p.daily.days.at(-1), todayUtc, timeZone);
      assert.equal(new Date(p.range.from).toISOString(), `${p.range.firstDay}T00:00:00.000Z`, timeZone);
    }
  });

  it('fills the hours from Analytics and says which charts OpenRouter has no data for', async () => {
    const c = client({ management: sim.managementKey });
    const p = await prepareAccountDashboard(ledger.queries, input(), { query: (q) => c.queryAnalytics(q) });
    assert.equal(p.hourly.requests.length, 24);
    assert.equal(p.hourly.requests.reduce((a, b) => a + b, 0), p.kpis.requests, 'every request of the range is in an hour');
    assert.ok(p.hourly.requests[12] >= 3, 'the seeded day (3 requests at 12:00 UTC) is at noon');
    assert.equal(p.unavailable.hourly, undefined);
    assert.equal(p.unavailable.latency, ACCOUNT_NOTICES.latencyUnavailable);
    assert.equal(p.unavailable.errors, ACCOUNT_NOTICES.errorsUnavailable);
  });

  it('never sums an amount it cannot read as $0: the total is a lower bound with the rows counted', async () => {
    const c = client({ management: sim.managementKey });
    const garbled = 'anthropic/claude-sonnet-4';
    sim.configure({ analyticsMalformed: { model: garbled, value: '1,5' } });
    try {
      const p = await prepareAccountDashboard(ledger.queries, input(), { query: (q) => c.queryAnalytics(q) });
      // Everything but the garbled model: its one day × model row is unknown, not $0.
      const known = sim.generations().filter((g) => g.model !== garbled).reduce((s, g) => s + g.cost, 0) + 1.5;
      assert.ok(p.kpis.spend !== null && Math.abs(p.kpis.spend - known) < 1e-9, `spend ${p.kpis.spend} vs ${known}`);
      assert.deepEqual(p.kpis.unknownCost, { count: 1, unit: 'rows' });
      assert.ok(p.notices.includes(ACCOUNT_NOTICES.unparsed.replace('{0}', '1')), p.notices.join(' | '));
      const row = p.tables.models.find((m) => m.label === garbled);
      assert.equal(row?.cost, null, 'the garbled model’s cost is unknown');
      assert.equal(p.kpis.requests, null, 'its request count is unreadable too: unknown');
      assert.equal(p.kpis.avgCostPerRequest, null);
      // The hourly answer mixes every model into each hour: unreadable, so not drawn as zeros.
      assert.equal(p.unavailable.hourly, ACCOUNT_NOTICES.hourlyUnparsed);
    } finally {
      sim.configure({ analyticsMalformed: null });
    }
  });
});
