/**
 * Issue 9 items 1 and 7: the pre-flight prices every model a request may be served by (the
 * primary and each fallback), an explicit "Send anyway" really sends, and an old /key reading is
 * not taken for today's or this month's OpenRouter usage. The clock (`now`) is injected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preflight, type PreflightInput } from '../../src/chat/preflight';
import { BUDGET_OFF } from '../../src/budget/policy';
import type { KeyInfo, ModelInfo, ModelPricing } from '../../src/openrouter/types';

function pricing(p: Partial<ModelPricing>): ModelPricing {
  return { prompt: 0, completion: 0, request: 0, image: 0, webSearch: 0, internalReasoning: 0, inputCacheRead: null, inputCacheWrite: null, discount: 0, overrides: [], ...p };
}
function model(id: string, prompt: number | null, completion: number | null, request = 0): ModelInfo {
  return { id, canonicalSlug: id, name: id, created: null, contextLength: 128000, maxCompletionTokens: 16384, pricing: pricing({ prompt, completion, request }), supportedParameters: [] };
}

const cheap = model('openai/gpt-4o-mini', 0.00000015, 0.0000006);
const pricey = model('anthropic/claude-sonnet-4', 0.000003, 0.000015);
const router = model('openrouter/auto', null, null);
const NOW = new Date('2026-05-14T12:00:00Z');
const messages = [{ role: 'user' as const, content: 'hello there' }];

const base = (over: Partial<PreflightInput>): PreflightInput => ({
  model: cheap,
  modelId: cheap.id,
  messages,
  maxTokens: 1000,
  budget: BUDGET_OFF,
  spentSince: async () => 0,
  keyInfo: null,
  now: NOW,
  ...over,
});

/** Worst case of one model for this request, computed here from its listed prices. */
function worstCase(m: ModelInfo, promptTokens: number, maxTokens: number): number {
  return promptTokens * m.pricing.prompt! + maxTokens * m.pricing.completion! + m.pricing.request!;
}

test('the estimate is the worst case over the primary and every fallback model', async () => {
  const alone = await preflight(base({}));
  const withFallback = await preflight(base({ fallbacks: [{ id: pricey.id, model: pricey }] }));
  const tokens = withFallback.promptTokens;
  assert.ok(Math.abs((alone.estimate.usd ?? 0) - worstCase(cheap, tokens, 1000)) < 1e-15);
  assert.ok(Math.abs((withFallback.estimate.usd ?? 0) - worstCase(pricey, tokens, 1000)) < 1e-15, 'the pricier fallback sets the estimate');
  // A per-request limit between the two prices: fine for the primary alone, not with the fallback.
  const limit = (worstCase(cheap, tokens, 1000) + worstCase(pricey, tokens, 1000)) / 2;
  const budget = { ...BUDGET_OFF, perRequest: limit, mode: 'block' as const };
  assert.equal((await preflight(base({ budget }))).decision.verdict, 'ok');
  const blocked = await preflight(base({ budget, fallbacks: [{ id: pricey.id, model: pricey }] }));
  assert.equal(blocked.decision.verdict, 'refuse');
});

test('a fallback whose price is unknown makes the estimate unknown, never $0, and names the model', async () => {
  const budget = { ...BUDGET_OFF, perRequest: 1, mode: 'block' as const };
  const unlisted = await preflight(base({ budget, fallbacks: [{ id: 'vendor/unlisted', model: undefined }] }));
  assert.equal(unlisted.estimate.usd, null);
  assert.match(unlisted.estimate.unknownReason ?? '', /vendor\/unlisted/);
  assert.equal(unlisted.decision.verdict, 'refuse');
  const viaRouter = await preflight(base({ budget, fallbacks: [{ id: router.id, model: router }] }));
  assert.equal(viaRouter.estimate.usd, null);
  assert.match(viaRouter.decision.summary, /openrouter\/auto/);
});

test('provider.max_price bounds the worst fallback, and lets every fallback through when the budget allows it', async () => {
  // Prompt-heavy pricing: caps scaled from the primary's price ratio alone would shut it out.
  const promptHeavy = model('vendor/prompt-heavy', 0.00001, 0.000001);
  const fallbacks = [{ id: promptHeavy.id, model: promptHeavy }];
  const long = [{ role: 'user' as const, content: 'x'.repeat(4000) }];
  const first = await preflight(base({ fallbacks, messages: long }));
  const limit = Math.max(worstCase(promptHeavy, first.promptTokens, 1000), worstCase(cheap, first.promptTokens, 1000)) * 1.05;
  const check = await preflight(base({ fallbacks, messages: long, budget: { ...BUDGET_OFF, perRequest: limit } }));
  const cap = check.maxPrice!;
  const capCost = (first.promptTokens * cap.prompt) / 1e6 + (1000 * cap.completion) / 1e6 + cap.request;
  assert.ok(capCost <= limit * (1 + 1e-9), `caps cost ${capCost} ≤ ${limit}`);
  for (const m of [cheap, promptHeavy]) {
    assert.ok(cap.prompt >= m.pricing.prompt! * 1e6 && cap.completion >= m.pricing.completion! * 1e6, `${m.id} is not excluded by the caps`);
  }
});

test('after "Send anyway" the caps are the estimate’s own prices, so the listed provider can serve', async () => {
  const fallbacks = [{ id: pricey.id, model: pricey }];
  const over = await preflight(base({ fallbacks, budget: { ...BUDGET_OFF, perRequest: 1e-7, mode: 'warn' } }));
  assert.equal(over.decision.verdict, 'confirm');
  // The budget-derived caps sit below the listed prices: OpenRouter would find no provider.
  assert.ok(over.maxPrice!.completion < pricey.pricing.completion! * 1e6);
  const confirmed = over.maxPriceIfConfirmed;
  assert.ok(confirmed, 'caps at the estimate’s prices');
  assert.ok(confirmed.prompt >= pricey.pricing.prompt! * 1e6 && confirmed.completion >= pricey.pricing.completion! * 1e6);
  assert.ok(confirmed.completion < pricey.pricing.completion! * 1e6 * 1.001, 'and no looser than those prices');
  const unknown = await preflight(base({ model: router, modelId: router.id, budget: { ...BUDGET_OFF, perRequest: 0.01, mode: 'warn' } }));
  assert.equal(unknown.decision.verdict, 'confirm');
  assert.equal(unknown.maxPriceIfConfirmed, null, 'no price to cap at: nothing is sent');
});

function keyInfo(usageDaily: number, usageMonthly: number): KeyInfo {
  return {
    label: 'sk-or-v1-abc…wxyz', limit: null, limitRemaining: null, limitReset: null, includeByokInLimit: false, usage: usageMonthly,
    usageDaily, usageWeekly: usageDaily, usageMonthly, byokUsage: 0, byokUsageDaily: 0, byokUsageWeekly: 0, byokUsageMonthly: 0,
    creatorUserId: null, expiresAt: null, isFreeTier: false, isManagementKey: false, freeModelDailyRequests: null,
  };
}

test('a /key reading from before today (or this month) does not count as today’s (or this month’s) OpenRouter usage', async () => {
  const budget = { ...BUDGET_OFF, daily: 5, monthly: 50, mode: 'block' as const };
  const key = keyInfo(4.9999, 49.9999);
  const fresh = await preflight(base({ budget, keyInfo: { key, fetchedAt: NOW.getTime() - 60_000 } }));
  assert.equal(fresh.decision.verdict, 'refuse', 'a reading from this morning counts');

  const yesterday = await preflight(base({ budget, keyInfo: { key, fetchedAt: Date.parse('2026-05-13T23:59:00Z') } }));
  assert.ok(!yesterday.decision.violations.some((v) => v.scope === 'daily'), "yesterday's usage_daily is not today's");
  assert.ok(yesterday.decision.violations.some((v) => v.scope === 'monthly'), 'it is still this month');

  const lastMonth = await preflight(base({ budget, keyInfo: { key, fetchedAt: Date.parse('2026-04-30T23:00:00Z') } }));
  assert.equal(lastMonth.decision.verdict, 'ok', "last month's counters count for nothing now");
});
