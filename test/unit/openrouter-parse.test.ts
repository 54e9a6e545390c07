import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readChatCompletion } from '../../src/openrouter/chat';
import { readActivity, readApiKey, readGeneration, readKeyInfo, readModels } from '../../src/openrouter/normalize';
import { isoUtc, price } from '../../src/openrouter/parse';

describe('timestamps', () => {
  const cases: Array<[unknown, string | null]> = [
    ['2025-02-19T20:52:27.363244+00:00', '2025-02-19T20:52:27.363Z'],
    ['2025-08-24T10:30:00Z', '2025-08-24T10:30:00.000Z'],
    ['2025-08-24T12:30:00+02:00', '2025-08-24T10:30:00.000Z'],
    ['2025-08-24T05:00:00.5-0530', '2025-08-24T10:30:00.500Z'],
    ['2025-08-24 10:30:00', '2025-08-24T10:30:00.000Z'],
    ['2025-08-24', '2025-08-24T00:00:00.000Z'],
    [1752314742, '2025-07-12T10:05:42.000Z'],
    ['2025-02-30T00:00:00Z', null],
    ['yesterday', null],
    [null, null],
  ];
  for (const [input, expected] of cases) {
    it(`normalizes ${JSON.stringify(input)} to ${String(expected)}`, () => {
      assert.equal(isoUtc(input), expected);
    });
  }
});

describe('prices', () => {
  it('reads decimal strings as USD numbers, "0" as free, and negative or unparsable values as unknown', () => {
    assert.equal(price('0.0000025'), 0.0000025);
    assert.equal(price('0'), 0);
    assert.equal(price(0.5), 0.5);
    assert.equal(price('-1'), null);
    assert.equal(price('varies'), null);
    assert.equal(price(undefined), null);
  });

  it('turns a /models payload into models with numeric prices, ignoring unknown fields and unusable rows', () => {
    const models = readModels([
      {
        id: 'openai/gpt-4o',
        canonical_slug: 'openai/gpt-4o-2024-05-13',
        name: 'GPT-4o',
        created: 1715367049,
        context_length: 128000,
        architecture: { modality: 'text+image->text' },
        pricing: { prompt: '0.0000025', completion: '0.00001', request: '0', input_cache_read: '0.00000125', image_output: '0.04', discount: 0.25 },
        top_provider: { context_length: 128000, max_completion_tokens: 16384, is_moderated: true },
        supported_parameters: ['max_tokens', 7, 'temperature'],
        brand_new_field: { anything: true },
      },
      { id: 'openrouter/auto', name: 'Auto Router', pricing: { prompt: '-1', completion: '-1' } },
      {
        id: 'acme/timed',
        pricing: {
          prompt: '0.000001',
          completion: '0.000002',
          overrides: [{ min_prompt_tokens: 200000, prompt: '0.000002' }, { utc_start: '22:00', utc_end: '0600', completion: '0.000001' }, 'junk'],
        },
      },
      { name: 'no id, so not usable' },
      'not even an object',
    ]);
    assert.ok(models);
    assert.deepEqual(models.map((m) => m.id), ['openai/gpt-4o', 'openrouter/auto', 'acme/timed']);
    const [gpt, auto, timed] = models;
    assert.equal(gpt.pricing.prompt, 0.0000025);
    assert.equal(gpt.pricing.inputCacheRead, 0.00000125);
    assert.equal(gpt.pricing.webSearch, 0, 'an absent optional fee is no fee, so real models stay priced');
    assert.equal(auto.pricing.request, 0);
    assert.equal(gpt.pricing.discount, 0.25);
    assert.equal(gpt.maxCompletionTokens, 16384);
    assert.deepEqual(gpt.supportedParameters, ['max_tokens', 'temperature']);
    assert.equal(auto.pricing.prompt, null, 'router "-1" is unknown, never free');
    assert.equal(auto.pricing.completion, null);
    const [badFee] = readModels([{ id: 'acme/bad-fee', name: 'x', pricing: { prompt: '0.000001', completion: '0.000002', request: 'n/a' } }]) ?? [];
    assert.equal(badFee.pricing.request, null, 'a present but unreadable fee is unknown, not free');
    assert.deepEqual(timed.pricing.overrides, [
      { minPromptTokens: 200000, prices: { prompt: 0.000002 } },
      { utcStart: '2200', utcEnd: '0600', prices: { completion: 0.000001 } },
    ]);
  });

  it('rejects a /models payload that is not a list', () => {
    assert.equal(readModels({ data: [] }), null);
  });
});

describe('account payloads', () => {
  it('reads /key with optional fields missing and the deprecated provisioning flag as fallback', () => {
    const info = readKeyInfo({ label: 'sk-or-v1-116...0ce', limit: null, usage: 0.1, is_provisioning_key: true, rate_limit: { requests: -1 } });
    assert.ok(info);
    assert.equal(info.isManagementKey, true);
    assert.equal(info.usageDaily, null);
    assert.equal(info.limitReset, null);
    assert.equal(info.freeModelDailyRequests, null);
    assert.equal(readKeyInfo('nope'), null);
  });

  it('reads the free-model daily counter and an expiry with offset as UTC', () => {
    const info = readKeyInfo({ usage: 1, limit_reset: 'weekly', expires_at: '2027-12-31T23:59:59+00:00', free_model_daily_requests: { used: 10, limit: 1000, remaining: 990 } });
    assert.equal(info?.limitReset, 'weekly');
    assert.equal(info?.expiresAt, '2027-12-31T23:59:59.000Z');
    assert.deepEqual(info?.freeModelDailyRequests, { used: 10, limit: 1000, remaining: 990 });
  });

  it('reads key records with microsecond timestamps and skips rows without a hash', () => {
    const record = readApiKey({ hash: 'f01d', name: 'Prod', label: 'sk-or-v1-0e6...1c96', disabled: false, limit: 100, limit_remaining: '74.5', usage: 25.5, created_at: '2025-02-19T20:52:27.363244+00:00', updated_at: null });
    assert.equal(record?.createdAt, '2025-02-19T20:52:27.363Z');
    assert.equal(record?.limitRemaining, 74.5);
    assert.equal(record?.updatedAt, null);
    assert.equal(readApiKey({ name: 'no hash' }), null);
  });

  it('reads activity rows with string counts and drops rows without a date', () => {
    const rows = readActivity([
      { date: '2025-08-24', model: 'openai/gpt-4.1', model_permaslug: 'openai/gpt-4.1-2025-04-14', endpoint_id: 'e1', provider_name: 'OpenAI', usage: 0.015, byok_usage_inference: 0, requests: '5', prompt_tokens: 50, completion_tokens: 125, reasoning_tokens: 25 },
      { model: 'no date' },
    ]);
    assert.equal(rows?.length, 1);
    assert.equal(rows?.[0].requests, 5);
    assert.equal(rows?.[0].workspaceId, null);
  });

  it('reads a generation where everything but the id may be missing', () => {
    const g = readGeneration({ id: 'gen-1', total_cost: 0.0015, native_tokens_prompt: 10, provider_responses: [{ status: 200, provider_name: 'Infermatic', latency: 1200 }] });
    assert.equal(g?.totalCost, 0.0015);
    assert.equal(g?.model, null);
    assert.equal(g?.cancelled, null);
    assert.deepEqual(g?.providerResponses, [{ providerName: 'Infermatic', status: 200, latencyMs: 1200, modelPermaslug: null, isByok: null }]);
    assert.equal(g?.sessionId, null);
    assert.equal(g?.appId, null);
    assert.equal(readGeneration({ total_cost: 1 }), null);
  });
});

describe('non-streaming completion payloads', () => {
  it('reads content, usage and the provider of a successful completion', () => {
    const c = readChatCompletion(
      {
        id: 'gen-1752314742-4dEgBjBERTRXlSwzYkUa',
        provider: 'OpenAI',
        model: 'openai/gpt-4o-mini',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello there!' } }],
        usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, cost: 0.00014, is_byok: false },
      },
      null,
    );
    assert.equal(c?.content, 'Hello there!');
    assert.equal(c?.usage?.cost, 0.00014);
    assert.equal(c?.error, null);
  });

  it('keeps partial content and the error of a 200 whose choice failed', () => {
    const c = readChatCompletion(
      { id: 'gen-2', model: 'm', choices: [{ index: 0, finish_reason: 'error', message: { content: 'Partial' }, error: { code: 502, message: 'Provider returned error', metadata: { error_type: 'provider_unavailable' } } }] },
      null,
    );
    assert.equal(c?.content, 'Partial');
    assert.deepEqual(c?.error, { code: 502, message: 'Provider returned error', errorType: 'provider_unavailable' });
  });

  it('takes the generation id from the header when a bare error body has none', () => {
    const c = readChatCompletion({ error: { code: 'server_error', message: 'boom' } }, 'gen-from-header');
    assert.equal(c?.id, 'gen-from-header');
    assert.equal(c?.error?.code, 'server_error');
    assert.equal(readChatCompletion({ object: 'something else' }, null), null);
  });
});
