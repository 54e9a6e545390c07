import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  effectivePricing,
  estimateRequestCost,
  formatPerMillion,
  formatPricing,
  maxPriceForBudget,
  type MaxPrice,
} from '../../src/budget/pricing';
import { readPricing } from '../../src/openrouter/normalize';
import type { ModelInfo, ModelPricing } from '../../src/openrouter/types';

function pricing(p: Partial<ModelPricing>): ModelPricing {
  return {
    prompt: 0,
    completion: 0,
    request: 0,
    image: 0,
    webSearch: 0,
    internalReasoning: 0,
    inputCacheRead: null,
    inputCacheWrite: null,
    discount: 0,
    overrides: [],
    ...p,
  };
}

function model(id: string, p: ModelPricing): ModelInfo {
  return { id, canonicalSlug: id, name: id, created: null, contextLength: 128000, maxCompletionTokens: 16384, pricing: p, supportedParameters: [] };
}

const utc = (hhmm: string) => new Date(`2025-06-14T${hhmm}:00Z`);
const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

const gpt4o = model('openai/gpt-4o', pricing({ prompt: 0.0000025, completion: 0.00001, inputCacheRead: 0.00000125 }));
const deepseekOffPeak = pricing({
  prompt: 0.00000027,
  completion: 0.0000011,
  inputCacheRead: 0.00000007,
  overrides: [{ utcStart: '1630', utcEnd: '0030', prices: { prompt: 0.000000135, completion: 0.00000055 } }],
});

test('a discount lowers every listed price by its fraction', () => {
  const mistral = pricing({ prompt: 0.000002, completion: 0.000006, discount: 0.25 });
  const now = effectivePricing(mistral, { promptTokens: 100, at: utc('12:00') });
  assert.equal(formatPricing(now), '$1.50/M in · $4.50/M out');
  assert.equal(now.discount, 0, 'the discount is already applied and must not be applied twice');
});

test('a prompt-size tier applies only above its threshold, and unnamed prices keep the base', () => {
  const gemini = pricing({
    prompt: 0.00000125,
    completion: 0.00001,
    inputCacheRead: 0.00000031,
    overrides: [{ minPromptTokens: 200000, prices: { prompt: 0.0000025, completion: 0.000015 } }],
  });
  const atThreshold = effectivePricing(gemini, { promptTokens: 200000, at: utc('12:00') });
  assert.equal(atThreshold.prompt, 0.00000125, 'exactly 200K is not "more than 200K"');
  const above = effectivePricing(gemini, { promptTokens: 200001, at: utc('12:00') });
  assert.equal(above.prompt, 0.0000025);
  assert.equal(above.completion, 0.000015);
  assert.equal(above.inputCacheRead, 0.00000031);
});

test('later overrides win per key; keys they do not name come from earlier ones', () => {
  const qwen = pricing({
    prompt: 0.0000012,
    completion: 0.000006,
    overrides: [
      { minPromptTokens: 32000, prices: { prompt: 0.0000024, completion: 0.000012 } },
      { minPromptTokens: 128000, prices: { prompt: 0.000003 } },
    ],
  });
  const huge = effectivePricing(qwen, { promptTokens: 130000, at: utc('12:00') });
  assert.equal(huge.prompt, 0.000003);
  assert.equal(huge.completion, 0.000012);
  const mid = effectivePricing(qwen, { promptTokens: 50000, at: utc('12:00') });
  assert.equal(mid.prompt, 0.0000024);
});

test('an override window wrapping midnight applies at 23:30 UTC and just after midnight', () => {
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('23:30') }).prompt, 0.000000135);
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('00:15') }).prompt, 0.000000135);
});

test('a time window includes its start minute and excludes its end minute', () => {
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('16:30') }).completion, 0.00000055);
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('16:29') }).completion, 0.0000011);
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('00:30') }).completion, 0.0000011);
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: utc('12:00') }).completion, 0.0000011);
});

test('time windows are read in UTC whatever the local offset of the Date', () => {
  const evening = new Date('2025-06-14T19:30:00-04:00'); // 23:30 UTC
  assert.equal(effectivePricing(deepseekOffPeak, { promptTokens: 10, at: evening }).prompt, 0.000000135);
});

test('a discount also applies to override prices', () => {
  const p = pricing({
    prompt: 0.000004,
    completion: 0.000004,
    discount: 0.5,
    overrides: [{ utcStart: '0000', utcEnd: '2400', prices: { prompt: 0.000002 } }],
  });
  const now = effectivePricing(p, { promptTokens: 1, at: utc('08:00') });
  close(now.prompt, 0.000001);
  close(now.completion, 0.000002);
});

test('an override whose time window cannot be read makes its prices unknown instead of guessing', () => {
  const p = pricing({
    prompt: 0.000001,
    completion: 0.000002,
    overrides: [{ utcStart: 'noon', utcEnd: '1300', prices: { prompt: 0.000009 } }],
  });
  const estimate = estimateRequestCost(model('vendor/odd-window', p), { promptTokens: 100, maxTokens: 100, at: utc('12:30') });
  assert.equal(estimate.usd, null);
  assert.match(estimate.unknownReason ?? '', /price unknown for vendor\/odd-window \(no usable prompt price\)/);
  assert.equal(estimate.pricing.completion, 0.000002, 'prices the override does not touch stay known');
});

test('request cost = prompt tokens × prompt price + max_tokens × completion price + request fee', () => {
  const estimate = estimateRequestCost(gpt4o, { promptTokens: 1000, maxTokens: 500, at: utc('12:00') });
  close(estimate.usd, 0.0075);
  close(estimate.breakdown.prompt, 0.0025);
  close(estimate.breakdown.completion, 0.005);
  assert.equal(estimate.breakdown.request, 0);
  assert.equal(estimate.unknownReason, undefined);

  const sonar = model('perplexity/sonar', pricing({ prompt: 0.000001, completion: 0.000001, request: 0.005 }));
  close(estimateRequestCost(sonar, { promptTokens: 1000, maxTokens: 1000, at: utc('12:00') }).usd, 0.007);
});

test('router model with -1 price is reported unknown, never $0', () => {
  const auto = model('openrouter/auto', readPricing({ prompt: '-1', completion: '-1' }));
  const estimate = estimateRequestCost(auto, { promptTokens: 1000, maxTokens: 500, at: utc('12:00') });
  assert.equal(estimate.usd, null);
  assert.equal(estimate.unknownReason, 'price unknown for openrouter/auto (router model)');
  assert.equal(formatPricing(effectivePricing(auto.pricing, { promptTokens: 1, at: utc('12:00') })), 'unknown');
});

test('a model without a listed per-request fee is unknown, because the fee cannot be ruled out', () => {
  const noFee = model('vendor/no-fee-listed', pricing({ prompt: 0.000001, completion: 0.000001, request: null }));
  const estimate = estimateRequestCost(noFee, { promptTokens: 10, maxTokens: 10, at: utc('12:00') });
  assert.equal(estimate.usd, null);
  assert.match(estimate.unknownReason ?? '', /no usable request price/);
});

test('a free model costs $0, which is known, not unknown', () => {
  const free = model('meta-llama/llama-3.3-70b-instruct:free', pricing({}));
  const estimate = estimateRequestCost(free, { promptTokens: 5000, maxTokens: 5000, at: utc('12:00') });
  assert.equal(estimate.usd, 0);
  assert.equal(formatPricing(free.pricing), 'free');
});

test('without max_tokens the cost has no upper bound and says so', () => {
  const estimate = estimateRequestCost(gpt4o, { promptTokens: 1000, maxTokens: null, at: utc('12:00') });
  assert.equal(estimate.usd, null);
  assert.match(estimate.unknownReason ?? '', /no max_tokens/);
});

test('a hostile model id is quoted without control characters and bounded in length', () => {
  const id = `evil/\u001b[31mred\u202Eyek${'x'.repeat(300)}`;
  const estimate = estimateRequestCost(model(id, pricing({ prompt: null, completion: null })), { promptTokens: 1, maxTokens: 1, at: utc('12:00') });
  const reason = estimate.unknownReason ?? '';
  assert.doesNotMatch(reason, /[\u001b\u202E]/);
  assert.ok(reason.length < 200, reason);
});

function capCost(cap: MaxPrice, promptTokens: number, maxTokens: number): number {
  return (promptTokens * cap.prompt) / 1e6 + (maxTokens * cap.completion) / 1e6 + cap.request;
}

test('max_price from a per-request limit scales the listed prices so the request fits the limit', () => {
  const cap = maxPriceForBudget(0.015, gpt4o, { promptTokens: 1000, maxTokens: 500, at: utc('12:00') });
  assert.ok(cap);
  // estimate is $0.0075, so providers up to 2× the listed price still fit: $5/M in, $20/M out.
  close(cap.prompt, 5);
  close(cap.completion, 20);
  assert.equal(cap.request, 0);
  assert.ok(capCost(cap, 1000, 500) <= 0.015 + 1e-15);
});

test('max_price for a router model splits the limit between prompt and completion', () => {
  const auto = model('openrouter/auto', pricing({ prompt: null, completion: null, request: null }));
  const cap = maxPriceForBudget(0.01, auto, { promptTokens: 2000, maxTokens: 1000, at: utc('12:00') });
  assert.ok(cap);
  assert.equal(cap.request, 0);
  assert.ok(cap.completion > cap.prompt, 'output tokens are allowed to cost more than input tokens');
  assert.ok(capCost(cap, 2000, 1000) <= 0.01 + 1e-15);
  assert.ok(capCost(cap, 2000, 1000) > 0.0099, 'the split uses (almost) the whole limit');
});

test('no per-request limit, or no max_tokens, means no max_price is sent', () => {
  assert.equal(maxPriceForBudget(0, gpt4o, { promptTokens: 10, maxTokens: 10 }), null);
  assert.equal(maxPriceForBudget(Number.NaN, gpt4o, { promptTokens: 10, maxTokens: 10 }), null);
  assert.equal(maxPriceForBudget(0.01, gpt4o, { promptTokens: 10, maxTokens: null }), null);
});

test('any provider priced within the derived max_price keeps the request within the limit', () => {
  const priceArb = fc.option(fc.double({ min: 0, max: 0.0002, noNaN: true }), { nil: null });
  fc.assert(
    fc.property(
      priceArb,
      priceArb,
      fc.option(fc.double({ min: 0, max: 0.05, noNaN: true }), { nil: null }),
      fc.integer({ min: 0, max: 300000 }),
      fc.integer({ min: 1, max: 64000 }),
      fc.double({ min: 0.0001, max: 50, noNaN: true }),
      (prompt, completion, request, promptTokens, maxTokens, limit) => {
        const m = model('vendor/any', pricing({ prompt, completion, request }));
        const cap = maxPriceForBudget(limit, m, { promptTokens, maxTokens, at: utc('12:00') });
        assert.ok(cap, 'a positive limit and a bounded request always give a cap');
        assert.ok(cap.prompt >= 0 && cap.completion >= 0 && cap.request >= 0);
        assert.ok(capCost(cap, promptTokens, maxTokens) <= limit * (1 + 1e-9), 'worst case within the limit');
        const estimate = estimateRequestCost(m, { promptTokens, maxTokens, at: utc('12:00') }).usd;
        if (estimate !== null && estimate > 0 && estimate <= limit / 1.001) {
          assert.ok((prompt ?? 0) * 1e6 <= cap.prompt + 1e-6, 'the listed provider itself is allowed');
          assert.ok((completion ?? 0) * 1e6 <= cap.completion + 1e-6);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('per-million prices read as $X/M, free or unknown', () => {
  assert.equal(formatPerMillion(0.0000025), '$2.50/M');
  assert.equal(formatPerMillion(0.000000075), '$0.075/M');
  assert.equal(formatPerMillion(0), 'free');
  assert.equal(formatPerMillion(null), 'unknown');
  assert.equal(formatPricing(gpt4o.pricing), '$2.50/M in · $10.00/M out');
  assert.equal(
    formatPricing(pricing({ prompt: 0.000001, completion: 0.000001, request: 0.005 })),
    '$1.00/M in · $1.00/M out · $0.005/request',
  );
  assert.equal(formatPricing(pricing({ prompt: 0.000001, completion: null })), '$1.00/M in · unknown out');
});
