/**
 * The local OpenRouter simulator, exercised over real HTTP: authentication classes, spend
 * counters, /generation availability, chat completion rules and request recording.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Simulator, startSimulator } from '../simulator';

let sim: Simulator;

before(async () => {
  sim = await startSimulator({ generationDelayMs: 80, streamChunkDelayMs: 1 });
});
after(() => sim.close());

interface Reply {
  status: number;
  headers: Headers;
  json: any; // response shapes vary by route
}

async function call(path: string, key: string | undefined, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(sim.baseUrl + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

function chat(key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Reply> {
  return call('/chat/completions', key, { method: 'POST', body: { messages: [{ role: 'user', content: 'How much did that cost?' }], ...body }, headers });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('authentication', () => {
  test('a request without Authorization is refused with the real 401 message', async () => {
    const r = await call('/key', undefined);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { error: { code: 401, message: 'No cookie auth credentials found' } });
  });

  test('an unknown key is refused with "User not found."', async () => {
    const r = await call('/key', 'sk-or-v1-' + '0'.repeat(64));
    assert.equal(r.status, 401);
    assert.equal(r.json.error.message, 'User not found.');
  });

  test('a disabled key is refused with 401', async () => {
    const { key } = sim.createKey({ name: 'off', disabled: true });
    assert.equal((await call('/key', key)).status, 401);
  });

  test('management-only routes refuse an inference key with 403', async () => {
    for (const path of ['/activity', '/keys', '/credits']) {
      const r = await call(path, sim.inferenceKey);
      assert.equal(r.status, 403, path);
      assert.equal(r.json.error.message, 'Only management keys can perform this operation');
    }
  });

  test('/credits answers an inference key when configured like the observed API', async () => {
    sim.configure({ creditsForInferenceKey: 'allow' });
    try {
      const r = await call('/credits', sim.inferenceKey);
      assert.equal(r.status, 200);
      assert.equal(typeof r.json.data.total_credits, 'number');
    } finally {
      sim.configure({ creditsForInferenceKey: 'forbid' });
    }
  });

  test('a management key cannot run completions', async () => {
    const r = await chat(sim.managementKey, { model: 'openai/gpt-4o-mini' });
    assert.equal(r.status, 403);
  });

  test('a management key reads /key flagged as management key', async () => {
    const r = await call('/key', sim.managementKey);
    assert.equal(r.status, 200);
    assert.equal(r.json.data.is_management_key, true);
  });

  test('recorded requests never contain a raw key', async () => {
    await call('/key', sim.inferenceKey, { headers: { 'x-debug': `leaked ${sim.inferenceKey}` } });
    const recorded = JSON.stringify(sim.requests);
    assert.ok(!recorded.includes(sim.inferenceKey));
    assert.ok(!recorded.includes(sim.managementKey));
    const last = sim.requests[sim.requests.length - 1];
    assert.match(last.headers.authorization, /^Bearer sk-or-v1-[0-9a-f]{3}\.\.\.[0-9a-f]{4}$/);
  });
});

describe('identifiers', () => {
  test('keys, hashes and labels have OpenRouter formats', async () => {
    const { key, hash } = sim.createKey({ name: 'fmt' });
    assert.match(key, /^sk-or-v1-[0-9a-f]{64}$/);
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    const r = await call('/key', key);
    assert.equal(r.json.data.label, `sk-or-v1-${key.slice(9, 12)}...${key.slice(-4)}`);
  });
});

describe('spend counters', () => {
  test('a completion moves the key usage, every usage window, limit_remaining and account usage by usage.cost', async () => {
    const { key, hash } = sim.createKey({ name: 'counted', limit: 5, limitReset: 'monthly' });
    const before = sim.accountState().totalUsage;
    const r = await chat(key, { model: 'openai/gpt-4o', max_tokens: 50 });
    assert.equal(r.status, 200);
    const cost: number = r.json.usage.cost;
    assert.ok(cost > 0);
    const k = (await call('/key', key)).json.data;
    assert.equal(k.usage, cost);
    assert.equal(k.usage_daily, cost);
    assert.equal(k.usage_weekly, cost);
    assert.equal(k.usage_monthly, cost);
    assert.equal(k.limit_remaining, 5 - cost);
    const credits = (await call('/credits', sim.managementKey)).json.data;
    assert.equal(credits.total_usage, before + cost);
    assert.deepEqual(sim.keyState(hash), { usage: cost, limit: 5, limitRemaining: 5 - cost });
  });

  test('/auth/key answers the same body as /key', async () => {
    const a = await call('/key', sim.inferenceKey);
    const b = await call('/auth/key', sim.inferenceKey);
    assert.deepEqual(b.json, a.json);
  });
});

describe('/generation', () => {
  test('is 404 right after a completion, then the full record with total_cost == usage == usage.cost', async () => {
    // A lag long enough that "right after" holds on a loaded machine; the record is then awaited.
    sim.configure({ generationDelayMs: 1_500 });
    const r = await chat(sim.inferenceKey, { model: 'anthropic/claude-sonnet-4', user: 'alice', max_tokens: 40 }, { 'HTTP-Referer': 'https://ledger.example' });
    const id: string = r.json.id;
    assert.match(id, /^gen-\d{10}-[A-Za-z0-9]{20}$/);
    assert.equal(r.headers.get('x-generation-id'), id);
    const early = await call(`/generation?id=${id}`, sim.inferenceKey);
    assert.equal(early.status, 404);
    assert.deepEqual(early.json, { error: { code: 404, message: 'Generation not found' } });
    let ready = await call(`/generation?id=${id}`, sim.managementKey);
    for (const deadline = Date.now() + 10_000; ready.status === 404 && Date.now() < deadline; ) {
      await sleep(100);
      ready = await call(`/generation?id=${id}`, sim.managementKey);
    }
    sim.configure({ generationDelayMs: 80 });
    const g = ready.json.data;
    assert.equal(g.total_cost, r.json.usage.cost);
    assert.equal(g.usage, r.json.usage.cost);
    assert.equal(g.native_tokens_prompt, r.json.usage.prompt_tokens);
    assert.equal(g.native_tokens_completion, r.json.usage.completion_tokens);
    assert.equal(g.external_user, 'alice');
    assert.equal(g.http_referer, 'https://ledger.example');
    assert.equal(g.provider_name, 'Anthropic');
    assert.equal(g.streamed, false);
    assert.equal(g.cancelled, false);
    assert.equal(g.finish_reason, 'stop');
  });

  test('an unknown id stays 404', async () => {
    assert.equal((await call('/generation?id=gen-1-nope', sim.inferenceKey)).status, 404);
  });
});

describe('chat completions', () => {
  test('an unknown model is a 400 with availability model_not_found', async () => {
    const r = await chat(sim.inferenceKey, { model: 'nobody/nothing' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.availability.code, 'model_not_found');
  });

  test('a down first model falls back to the next one, which is echoed as model', async () => {
    const r = await chat(sim.inferenceKey, { models: ['openai/gpt-unavailable', 'openai/gpt-4o-mini'] });
    assert.equal(r.status, 200);
    assert.equal(r.json.model, 'openai/gpt-4o-mini');
  });

  test('openrouter/auto serves a concrete model and bills its price', async () => {
    const r = await chat(sim.inferenceKey, { model: 'openrouter/auto', max_tokens: 20 });
    assert.equal(r.status, 200);
    assert.notEqual(r.json.model, 'openrouter/auto');
    assert.ok(r.json.usage.cost > 0);
  });

  test('max_tokens caps the completion and reports finish_reason "length"', async () => {
    const r = await chat(sim.inferenceKey, { model: 'openai/gpt-4o-mini', max_tokens: 3, messages: [{ role: 'user', content: 'long [[tokens:40]]' }] });
    assert.equal(r.json.usage.completion_tokens, 3);
    assert.equal(r.json.choices[0].finish_reason, 'length');
  });

  test('the same prompt always gets the same reply and token counts', async () => {
    const a = await chat(sim.inferenceKey, { model: 'openai/gpt-4o-mini', max_tokens: 100 });
    const b = await chat(sim.inferenceKey, { model: 'openai/gpt-4o-mini', max_tokens: 100 });
    assert.equal(a.json.choices[0].message.content, b.json.choices[0].message.content);
    assert.deepEqual(a.json.usage, b.json.usage);
  });

  test('provider.max_price below the model price finds no endpoint', async () => {
    const r = await chat(sim.inferenceKey, { model: 'openai/gpt-4o', provider: { max_price: { prompt: '1', completion: '1' } } });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.availability.code, 'no_endpoints');
    const ok = await chat(sim.inferenceKey, { model: 'openai/gpt-4o', max_tokens: 5, provider: { max_price: { prompt: '2.5', completion: '10' } } });
    assert.equal(ok.status, 200);
  });

  test('a key limit that cannot cover max_tokens is a 402 with limit_source openrouter_key_limit', async () => {
    const { key } = sim.createKey({ name: 'tight', limit: 0.001 });
    const r = await chat(key, { model: 'openai/gpt-4o', max_tokens: 1000 });
    assert.equal(r.status, 402);
    assert.equal(r.json.error.metadata.limit_source, 'openrouter_key_limit');
    assert.equal(typeof r.json.error.metadata.remedy_hint, 'string');
    assert.match(r.json.error.message, /You requested up to 1000 tokens, but can only afford \d+/);
    assert.equal((await chat(key, { model: 'openai/gpt-4o', max_tokens: 10 })).status, 200);
  });

  test('setKeyUsage exhausts a key so the next completion is refused', async () => {
    const { key, hash } = sim.createKey({ name: 'spent', limit: 1 });
    sim.setKeyUsage(hash, 1);
    assert.equal(sim.keyState(key).limitRemaining, 0);
    assert.equal((await chat(key, { model: 'openai/gpt-4o-mini', max_tokens: 5 })).status, 402);
  });

  test('an account balance that cannot cover the request is a 402 with limit_source openrouter_credits', async () => {
    const { totalCredits, totalUsage } = sim.accountState();
    sim.setAccountCredits(totalUsage + 0.0001);
    try {
      const r = await chat(sim.inferenceKey, { model: 'anthropic/claude-sonnet-4', max_tokens: 1000 });
      assert.equal(r.status, 402);
      assert.equal(r.json.error.metadata.limit_source, 'openrouter_credits');
      sim.setAccountCredits(totalUsage);
      const free = await chat(sim.inferenceKey, { model: 'meta-llama/llama-3.3-70b-instruct:free', max_tokens: 5 });
      assert.equal(free.status, 402, 'an empty balance refuses even free models');
    } finally {
      sim.setAccountCredits(totalCredits, sim.accountState().totalUsage);
    }
  });

  test('a body that is not JSON is a 400, not a crash', async () => {
    const res = await fetch(sim.baseUrl + '/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.inferenceKey}`, 'content-type': 'application/json' },
      body: '{"model": "openai/gpt-4o", "messages": [',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: number } }).error.code, 400);
  });

  test('a prompt plus max_tokens beyond the context length is a 400', async () => {
    const r = await chat(sim.inferenceKey, { model: 'openai/gpt-4o-mini', max_tokens: 200000 });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.metadata.error_type, 'context_length_exceeded');
  });
});
