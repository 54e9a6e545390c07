/**
 * Activity sync and reconciliation against the simulator (real HTTP) and a real ledger. The
 * simulator's clock is injected (`now`), so days pass without waiting: OpenRouter's 30-day
 * /activity window moves while the ledger keeps what it synced. The daily background run is
 * driven by calling its `dailyTick()` with that clock (what ReconcileController's hourly timer
 * does), not end to end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalLedger } from '../../src/ledger';
import { keyHash } from '../../src/keys/keyHash';
import { maskKey } from '../../src/keys/mask';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { activityWindow, syncActivity } from '../../src/reconcile/activitySync';
import { compareSpend, differingDays, reconcile } from '../../src/reconcile/reconcile';
import { Reconciler } from '../../src/reconcile/reconciler';
import { buildReconcileReport } from '../../src/reconcile/report';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import { collectingLogger, open, tempDir } from './helpers/ledgerFixtures';

const DAY_MS = 24 * 60 * 60 * 1000;
let clock = new Date('2026-05-10T12:00:00Z');
let sim: Simulator;
let transport: ClosableTransport;
let client: OpenRouterClient;
let ledger: LocalLedger;
let cleanup: () => void;

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1, now: () => clock });
  transport = undiciTransport();
  client = simulatorClient(sim, transport);
  const tmp = tempDir('reconcile-');
  cleanup = tmp.cleanup;
  ledger = await open(tmp.dir);
});

after(async () => {
  await ledger.close();
  cleanup();
  await transport.close();
  await sim.close();
});

const ask = (model: string) => client.chat({ model, messages: [{ role: 'user', content: `question for ${model}` }], maxTokens: 30 });

describe('activity sync', () => {
  it('keeps activity beyond OpenRouter’s 30 days, for the account and the key in use', async () => {
    const hash = keyHash(sim.inferenceKey);
    sim.seedActivity([{ daysAgo: 3, model: 'openai/gpt-4o', usage: 0.42, requests: 7 }]);
    const first = await syncActivity(client, ledger, hash, { now: clock.getTime() });
    assert.ok(first.accountRows >= 1 && first.keyRows >= 1);
    assert.deepEqual(first.window, { from: '2026-04-10', to: '2026-05-09' });
    const day = new Date(clock.getTime() - 3 * DAY_MS).toISOString().slice(0, 10);

    clock = new Date(clock.getTime() + 40 * DAY_MS);
    assert.ok(!(await client.getActivity()).some((r) => r.date === day), 'OpenRouter no longer has that day');
    await syncActivity(client, ledger, hash, { now: clock.getTime() });
    const kept = (await ledger.queries.activity('all', hash)).filter((r) => r.date === day);
    assert.deepEqual(kept.map((r) => [r.model, r.usage, r.requests]), [['openai/gpt-4o', 0.42, 7]], 'the ledger still has it, for the key');
    assert.equal((await ledger.queries.activity('all')).filter((r) => r.date === day).length, 1, 'and for the account');
  });
});

describe('reconciliation', () => {
  it('prices unpriced rows, finds a planted discrepancy and spend from another tool sharing the key', async () => {
    const label = maskKey(sim.inferenceKey);
    const day = clock.toISOString().slice(0, 10);
    const record = async (answer: Awaited<ReturnType<typeof ask>>, overrides: Record<string, unknown> = {}) =>
      ledger.appendGeneration({
        generationId: answer.id, ts: clock.getTime(), modelRequested: answer.model, modelUsed: answer.model, status: 'success',
        totalCost: answer.usage?.cost ?? null, costSource: 'generation', promptTokens: answer.usage?.promptTokens, completionTokens: answer.usage?.completionTokens,
        keyLabel: label, backfill: 'done', ...overrides,
      });

    await record(await ask('openai/gpt-4o-mini'));
    await record(await ask('openai/gpt-4o-mini'));
    // Recorded from the stream with a wrong cost and never priced: step 1 must fix it.
    const unpriced = await ask('mistralai/mistral-large');
    await record(unpriced, { totalCost: 9, costSource: 'usage', backfill: 'abandoned' });
    // A planted discrepancy: the ledger says 0.5 more than OpenRouter billed.
    const planted = await ask('anthropic/claude-sonnet-4');
    await record(planted, { totalCost: (planted.usage?.cost ?? 0) + 0.5 });
    // Another tool using the same key: billed by OpenRouter, not in the ledger.
    const outside = await ask('openai/gpt-4o');
    // A row OpenRouter never heard of (another key's label, so only step 1 sees it).
    await ledger.appendGeneration({ generationId: 'gen-1600000000-Forgotten00000000000', ts: clock.getTime() - 60 * 60 * 1000, modelRequested: 'x/y', costSource: 'estimate', status: 'success', totalCost: 0.01, keyLabel: 'sk-or-v1-zzz…zzzz', backfill: 'abandoned' });

    clock = new Date(clock.getTime() + 2 * DAY_MS);
    await syncActivity(client, ledger, keyHash(sim.inferenceKey), { now: clock.getTime() });
    const result = await reconcile({ client, ledger, keyLabel: label, keyHash: keyHash(sim.inferenceKey), days: activityWindow(clock.getTime()), now: clock.getTime() });

    const billed = sim.generations();
    const cost = (id: string) => billed.find((g) => g.id === id)?.cost ?? NaN;
    assert.equal(result.priced, 1);
    const repriced = (await ledger.queries.recent(20)).find((r) => r.generation_id === unpriced.id);
    // The ledger keeps whole nano-dollars: the simulator's float product, to the nano-dollar.
    assert.equal(repriced?.total_cost, Math.round(cost(unpriced.id) * 1e9) / 1e9, 'priced from /generation');
    assert.equal(repriced?.cost_source, 'generation');
    assert.deepEqual(result.unpriced.map((u) => [u.generationId, u.reason]), [['gen-1600000000-Forgotten00000000000', 'OpenRouter has no record of it (expired or unknown)']]);

    const differing = result.comparisons.filter((c) => c.kind !== 'match');
    assert.deepEqual(differing.map((c) => [c.date, c.model, c.kind]), [[day, 'anthropic/claude-sonnet-4', 'mismatch'], [day, 'openai/gpt-4o', 'outside']]);
    assert.ok(Math.abs(differing[0].difference + 0.5) < 1e-9);
    assert.ok(Math.abs(result.outsideTotal - cost(outside.id)) < 1e-12, 'the other tool’s spend, exactly');
    assert.ok(result.comparisons.some((c) => c.model === 'openai/gpt-4o-mini' && c.kind === 'match' && c.ledgerRequests === 2));
    assert.deepEqual([...differingDays(result.comparisons).keys()], [day]);

    const report = buildReconcileReport(result);
    assert.match(report, /came from outside this extension/);
    assert.match(report, /spent outside this extension/);
    assert.match(report, /Forgotten/);
  });

  it('renders a hostile model name in the report as text, with the day’s badge reason', () => {
    const hostile = '<img src=x onerror=alert(1)>**bold**|pipe';
    const activity = [{ date: '2026-01-02', model: hostile, usage: 0.25, byokUsage: 0, requests: 2, promptTokens: 0, completionTokens: 0, reasoningTokens: 0 }];
    const comparisons = compareSpend([], activity, { from: '2026-01-01', to: '2026-01-03' });
    assert.equal(differingDays(comparisons).get('2026-01-02'), `${hostile}: OpenRouter +$0.25 (spent outside this extension)`);
    const report = buildReconcileReport({ from: '2026-01-01', to: '2026-01-03', keyLabel: 'sk-or-v1-abc…wxyz', comparisons, ledgerTotal: 0, openRouterTotal: 0.25, outsideTotal: 0.25, mismatchTotal: 0, priced: 0, unpriced: [] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const MarkdownIt = require('markdown-it') as new (o: { html: boolean; linkify: boolean }) => { render(text: string): string };
    const html = new MarkdownIt({ html: true, linkify: true }).render(report);
    assert.doesNotMatch(html, /<img|<strong>bold/);
    assert.ok(html.includes('<td>&lt;img src=x onerror=alert(1)&gt;**bold**|pipe</td>'));
  });

  it('ignores differences up to $0.000001 and reports one just above', () => {
    const row = (cost: number) => ({ ts: '2026-01-02T10:00:00.000Z', generation_id: 'gen-x', model_used: 'm', model_requested: 'm', total_cost: cost }) as never;
    const activity = [{ date: '2026-01-02', model: 'm', usage: 1, byokUsage: 0, requests: 1, promptTokens: 0, completionTokens: 0, reasoningTokens: 0 }];
    const days = { from: '2026-01-01', to: '2026-01-03' };
    assert.equal(compareSpend([row(1 - 0.0000009)], activity, days)[0].kind, 'match');
    assert.equal(compareSpend([row(1 - 0.0000011)], activity, days)[0].kind, 'mismatch', 'same request count: not another tool');
    assert.equal(compareSpend([], activity, days)[0].kind, 'outside');
  });
});

describe('daily background reconciliation (Reconciler.dailyTick with the injected clock)', () => {
  it('syncs the key’s activity and reconciles without the command: report data and badges, once a day across windows', async () => {
    const OTHER_TOOL_MODEL = 'meta-llama/llama-3.3-70b-instruct';
    // Another tool using the key spent $0.30 yesterday; this extension recorded none of it.
    sim.seedActivity([{ daysAgo: 1, model: OTHER_TOOL_MODEL, usage: 0.3, requests: 4 }]);
    const spentDay = new Date(clock.getTime() - DAY_MS).toISOString().slice(0, 10);
    // The "last run" stamp is globalState in VS Code, shared by every window; here one variable
    // that two reconcilers (two windows) share.
    let stamp = 0;
    const badges: Array<Map<string, string>> = [];
    let changes = 0;
    const windowWith = (keys: { management: string | undefined; apiKey: string | undefined }) =>
      new Reconciler({
        client: () => client,
        ledger: async () => ledger,
        keys: async () => keys,
        lastRunAt: () => stamp,
        setLastRunAt: async (at) => void (stamp = at),
        onChanged: () => void changes++,
        onDifferingDays: (days) => void badges.push(days),
        logger: collectingLogger(),
        now: () => clock.getTime(),
      });
    const both = { management: sim.managementKey, apiKey: sim.inferenceKey };
    const activityRequests = () => sim.requests.filter((r) => r.path === '/api/v1/activity').length;

    assert.deepEqual(await windowWith({ management: undefined, apiKey: sim.inferenceKey }).dailyTick(), { ran: false, why: 'no-keys' });
    assert.equal(stamp, 0, 'without a management key nothing ran, and the day is not used up');

    const first = windowWith(both);
    const before = activityRequests();
    const tick = await first.dailyTick();
    assert.equal(tick.ran, true);
    assert.equal(stamp, clock.getTime());
    assert.equal(activityRequests() - before, 1, 'one /activity request: the key in use (the account’s is the ledger’s own daily sync)');
    assert.ok(tick.ran && tick.keyRows >= 1);
    const outside = tick.ran ? tick.reconciliation?.comparisons.find((c) => c.date === spentDay && c.model === OTHER_TOOL_MODEL) : undefined;
    assert.equal(outside?.kind, 'outside');
    assert.equal(outside?.openRouterCost, 0.3);
    assert.equal(outside?.ledgerCost, 0);
    assert.equal((await ledger.queries.activity('all', keyHash(sim.inferenceKey))).filter((a) => a.date === spentDay && a.model === OTHER_TOOL_MODEL).length, 1, 'the sync stored it');
    assert.equal(badges.length, 1, 'the badges were updated');
    assert.equal(badges[0].get(spentDay)?.includes(`${OTHER_TOOL_MODEL}: OpenRouter +$0.30 (spent outside this extension)`), true, badges[0].get(spentDay));
    assert.ok(changes >= 1, 'views were told the activity changed');

    clock = new Date(clock.getTime() + 23 * 60 * 60 * 1000);
    const later = activityRequests();
    assert.deepEqual(await first.dailyTick(), { ran: false, why: 'not-due' }, '23 h later: not again');
    assert.deepEqual(await windowWith(both).dailyTick(), { ran: false, why: 'not-due' }, 'nor in another window');
    assert.equal(activityRequests(), later);
    assert.equal(badges.length, 1);

    clock = new Date(clock.getTime() + 60 * 60 * 1000);
    const next = await windowWith(both).dailyTick();
    assert.equal(next.ran, true, 'a day after the last run it runs again');
    assert.equal(badges.length, 2);
    assert.ok(badges[1].has(spentDay), 'that day still differs, now two days ago');
  });
});
