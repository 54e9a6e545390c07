/** Every endpoint of the client against the local simulator over real HTTP with real undici. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenRouterClient, type OpenRouterClientOptions } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { KeyKind } from '../../src/openrouter/types';
import { startSimulator, type Simulator } from '../simulator';
import { rejection } from './helpers/rejection';

let sim: Simulator;
let transport: ClosableTransport;
let keys: Partial<Record<KeyKind, string>>;

function client(overrides: Partial<OpenRouterClientOptions> = {}): OpenRouterClient {
  return new OpenRouterClient({
    baseUrl: sim.baseUrl,
    getKey: async (kind) => keys[kind],
    transport,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1 },
    ...overrides,
  });
}

const lastRequest = () => sim.requests[sim.requests.length - 1];

before(async () => {
  sim = await startSimulator({ generationDelayMs: 100, streamChunkDelayMs: 1 });
  transport = undiciTransport();
});

after(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  keys = { inference: sim.inferenceKey, management: sim.managementKey };
  sim.clearFaults();
  sim.configure({ creditsForInferenceKey: 'forbid' });
});

describe('GET /key', () => {
  it('reads the API key’s spend and limits, preferring the API key', async () => {
    const info = await client().getKeyInfo();
    assert.equal(info.isManagementKey, false);
    assert.match(info.label, /^sk-or-v1-.{3}\.\.\..{4}$/);
    assert.equal(info.limit, null);
    assert.equal(typeof info.usageDaily, 'number');
    assert.equal(lastRequest().path, '/api/v1/key');
  });

  it('tests a key before it is stored (keyOverride) and reports whether it is a management key', async () => {
    keys = {};
    const info = await client().getKeyInfo({ keyOverride: sim.managementKey });
    assert.equal(info.isManagementKey, true);
  });

  it('sees a limited key’s remaining budget', async () => {
    const limited = sim.createKey({ name: 'capped', limit: 5, limitReset: 'monthly' });
    sim.setKeyUsage(limited.hash, 1.25);
    const info = await client().getKeyInfo({ keyOverride: limited.key });
    assert.equal(info.limit, 5);
    assert.equal(info.limitRemaining, 3.75);
    assert.equal(info.limitReset, 'monthly');
  });

  it('rejects an unknown key with a 401 message that never contains the key', async () => {
    const bogus = 'sk-or-v1-' + 'f'.repeat(64);
    const err = await rejection(client().getKeyInfo({ keyOverride: bogus }));
    assert.equal(err.status, 401);
    assert.match(err.userMessage, /Set API Key/);
    for (const text of [err.message, err.userMessage, err.serverMessage ?? '']) assert.ok(!text.includes('f'.repeat(20)), text);
  });
});

describe('secrets', () => {
  it('keeps keys out of error messages and logs even when the server echoes one back', async () => {
    const lines: string[] = [];
    const collect = (line: string) => void lines.push(line);
    const logger = { trace: collect, debug: collect, info: collect, warn: collect, error: collect };
    const echoed = `Invalid key ${sim.inferenceKey} (Authorization: Bearer ${sim.managementKey})`;
    sim.injectFault({ kind: 'status', status: 400, path: '/key', body: { error: { code: 400, message: echoed, metadata: { raw: echoed } } } });
    const err = await rejection(client({ logger }).getKeyInfo());
    await client({ logger }).getCredits();
    assert.ok(lines.length >= 2, 'the client logged both calls');
    const texts = [err.message, err.userMessage, err.serverMessage ?? '', err.metadata?.raw ?? '', ...lines];
    for (const key of [sim.inferenceKey, sim.managementKey]) {
      for (const text of texts) assert.ok(!text.includes(key.slice(9, 30)), `key material in: ${text}`);
    }
  });
});

describe('attribution and base URL', () => {
  it('sends the attribution headers and User-Agent on every request', async () => {
    await client().getKeyInfo();
    await client().listModels();
    for (const request of sim.requests.slice(-2)) {
      assert.equal(request.headers['http-referer'], 'https://github.com/openrouter-ledger/openrouter-ledger');
      assert.equal(request.headers['x-openrouter-title'], 'OpenRouter Ledger');
      assert.equal(request.headers['x-title'], 'OpenRouter Ledger');
      assert.equal(request.headers['x-openrouter-categories'], 'ide-extension');
      assert.match(request.headers['user-agent'] ?? '', /^openrouter-ledger\/\d+\.\d+\.\d+/);
    }
  });

  it('accepts a base URL with trailing slashes', async () => {
    await client({ baseUrl: `${sim.baseUrl}//` }).getCredits();
    assert.equal(lastRequest().path, '/api/v1/credits');
  });
});

describe('GET /credits', () => {
  it('uses the management key when one is set', async () => {
    const credits = await client().getCredits();
    assert.deepEqual(credits, sim.accountState());
    assert.match(lastRequest().headers.authorization ?? '', new RegExp(sim.managementKey.slice(9, 12)));
  });

  it('falls back to the API key and explains a 403 as "needs a management key"', async () => {
    keys = { inference: sim.inferenceKey };
    const err = await rejection(client().getCredits());
    assert.equal(err.status, 403);
    assert.match(err.userMessage, /management key/);
  });

  it('works with only an API key where OpenRouter allows it', async () => {
    keys = { inference: sim.inferenceKey };
    sim.configure({ creditsForInferenceKey: 'allow' });
    const credits = await client().getCredits();
    assert.equal(credits.totalCredits, sim.accountState().totalCredits);
  });
});

describe('GET /activity', () => {
  it('returns seeded rows and passes every filter as a query parameter', async () => {
    const filtered = sim.createKey({ name: 'activity-filter' });
    sim.seedActivity([
      { daysAgo: 2, model: 'openai/gpt-4o', usage: 0.5, requests: 3, promptTokens: 100, completionTokens: 40, keyHash: filtered.hash },
      { daysAgo: 3, model: 'anthropic/claude-sonnet-4', usage: 1.25, requests: 2 },
    ]);
    const all = await client().getActivity();
    const gpt = all.find((r) => r.model === 'openai/gpt-4o' && r.usage === 0.5);
    assert.ok(gpt, 'seeded row present');
    assert.equal(gpt.requests, 3);
    assert.match(gpt.date, /^\d{4}-\d{2}-\d{2}$/);

    const date = gpt.date;
    const onlyKey = await client().getActivity({ date, apiKeyHash: filtered.hash, groupBy: 'workspace', userId: 'user_x' });
    assert.deepEqual(lastRequest().query, { date, api_key_hash: filtered.hash, group_by: 'workspace', user_id: 'user_x' });
    assert.ok(onlyKey.every((r) => r.date === date));
    assert.ok(onlyKey.every((r) => r.workspaceId !== null), 'group_by=workspace rows carry the workspace');

    const workspaceId = (await client().listApiKeys({ maxPages: 1 }))[0]?.workspaceId ?? '';
    assert.ok(workspaceId);
    await client().getActivity({ workspaceId });
    assert.deepEqual(lastRequest().query, { workspace_id: workspaceId });
  });

  it('turns an out-of-window date into a 400 with OpenRouter’s explanation', async () => {
    const err = await rejection(client().getActivity({ date: '2001-01-01' }));
    assert.equal(err.status, 400);
    assert.match(err.userMessage, /rejected the request \(400\): .+/);
  });

  it('needs the management key and says which command sets it', async () => {
    keys = { inference: sim.inferenceKey };
    const before = sim.requests.length;
    const err = await rejection(client().getActivity());
    assert.equal(err.kind, 'missing-key');
    assert.match(err.userMessage, /“OpenRouter: Set Management Key”/);
    assert.equal(sim.requests.length, before, 'nothing was sent');
  });
});

describe('/keys management', () => {
  it('lists every key across pages, stopping at the short page', async () => {
    sim.seedKeys(230);
    const before = sim.requests.length;
    const listed = await client().listApiKeys();
    const pages = sim.requests.slice(before);
    assert.deepEqual(pages.map((r) => r.query.offset), ['0', '100', '200']);
    assert.ok(listed.length > 230);
    assert.equal(new Set(listed.map((k) => k.hash)).size, listed.length);
    assert.ok(listed.every((k) => k.createdAt.endsWith('Z')));
  });

  it('stops at the page cap', async () => {
    const before = sim.requests.length;
    const listed = await client().listApiKeys({ maxPages: 2 });
    assert.equal(sim.requests.length - before, 2);
    assert.equal(listed.length, 200);
  });

  it('creates, reads, updates and deletes a key', async () => {
    const { record, key } = await client().createApiKey({ name: 'CI key', limit: 10, limitReset: 'weekly' });
    assert.match(key, /^sk-or-v1-/);
    assert.equal(record.name, 'CI key');
    assert.equal(record.limit, 10);
    assert.equal(record.limitReset, 'weekly');

    const fetched = await client().getApiKey(record.hash);
    assert.equal(fetched.hash, record.hash);

    const updated = await client().updateApiKey(record.hash, { disabled: true, limit: 2.5, name: 'CI key (off)' });
    assert.equal(updated.disabled, true);
    assert.equal(updated.limit, 2.5);
    assert.deepEqual(lastRequest().body, { name: 'CI key (off)', disabled: true, limit: 2.5 });
    const enabledOnly = await client().listApiKeys();
    assert.ok(!enabledOnly.some((k) => k.hash === record.hash), 'disabled keys are hidden by default');
    const withDisabled = await client().listApiKeys({ includeDisabled: true });
    assert.ok(withDisabled.some((k) => k.hash === record.hash));

    await client().deleteApiKey(record.hash);
    const err = await rejection(client().getApiKey(record.hash));
    assert.equal(err.status, 404);
  });
});

describe('POST /chat/completions and GET /generation', () => {
  const request = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello to the ledger' }], maxTokens: 64, user: 'tester-1' };

  it('returns the reply, its usage and cost, and sends the request fields OpenRouter understands', async () => {
    const completion = await client().chat({ ...request, maxPrice: { prompt: 100, completion: 100 }, sessionId: 's-1' });
    assert.match(completion.id, /^gen-\d+-/);
    assert.equal(completion.model, 'openai/gpt-4o-mini');
    assert.ok(completion.content.length > 0);
    assert.ok(completion.usage && completion.usage.cost !== null && completion.usage.cost > 0);
    assert.equal(completion.error, null);
    assert.deepEqual(lastRequest().body, {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the ledger' }],
      stream: false,
      max_tokens: 64,
      user: 'tester-1',
      session_id: 's-1',
      provider: { max_price: { prompt: '100', completion: '100' } },
    });
    const recorded = sim.generations().find((g) => g.id === completion.id);
    assert.equal(recorded?.cost, completion.usage.cost);
  });

  it('echoes the fallback model that actually served the request', async () => {
    const completion = await client().chat({ ...request, model: 'acme/unavailable-model', models: ['acme/unavailable-model', 'openai/gpt-4o-mini'] });
    assert.equal(completion.model, 'openai/gpt-4o-mini');
  });

  it('finds the generation record once OpenRouter has written it, with the same cost', async () => {
    const completion = await client().chat(request);
    assert.equal(await client().getGeneration(completion.id), null, 'not written yet right after the completion');
    const generation = await client().getGeneration(completion.id, { waitMs: 3_000 });
    assert.ok(generation);
    assert.equal(generation.totalCost, completion.usage?.cost);
    assert.equal(generation.externalUser, 'tester-1');
    assert.equal(generation.nativeTokensCompletion, completion.usage?.completionTokens);
    assert.ok(generation.createdAt?.endsWith('Z'));
  });

  it('refuses to chat without an API key and names the command that sets one', async () => {
    keys = { management: sim.managementKey };
    const err = await rejection(client().chat(request));
    assert.equal(err.kind, 'missing-key');
    assert.match(err.userMessage, /“OpenRouter: Set API Key”/);
  });
});

describe('GET /models', () => {
  it('reads the catalogue without sending a key, with numeric prices and unknown router prices', async () => {
    const models = await client().listModels();
    assert.equal(lastRequest().headers.authorization, undefined);
    const mini = models.find((m) => m.id === 'openai/gpt-4o-mini');
    assert.ok(mini && mini.pricing.prompt !== null && mini.pricing.prompt > 0);
    const auto = models.find((m) => m.id === 'openrouter/auto');
    assert.equal(auto?.pricing.prompt, null);
    const free = models.find((m) => m.id.endsWith(':free'));
    assert.equal(free?.pricing.prompt, 0);
    assert.ok(models.some((m) => m.pricing.discount > 0));
    assert.ok(models.some((m) => m.pricing.overrides.length > 0));
  });
});
