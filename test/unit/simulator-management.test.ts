/**
 * The simulator's management and catalogue side over real HTTP: /activity windows and filters,
 * /keys paging and CRUD, /models pricing features, billing by the published prices, HTTPS and
 * proxy recording. A controllable clock stands in for the passing of UTC days.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { selfSignedCertificate, Simulator, startSimulator } from '../simulator';

let sim: Simulator;
let clock = new Date('2026-03-18T12:00:00.000Z');

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1, now: () => clock });
});
after(() => sim.close());

async function get(path: string, key = sim.managementKey): Promise<{ status: number; json: any }> { // any: shapes vary by route
  const res = await fetch(sim.baseUrl + path, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, json: await res.json() };
}

async function send(method: string, path: string, body: unknown, key = sim.managementKey): Promise<{ status: number; json: any }> {
  const res = await fetch(sim.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function chat(body: Record<string, unknown>, key = sim.inferenceKey): Promise<{ status: number; json: any }> {
  return send('POST', '/chat/completions', { messages: [{ role: 'user', content: 'Count my tokens please' }], max_tokens: 30, ...body }, key);
}

describe('/activity', () => {
  test('covers the last 30 completed UTC days: seeded rows inside appear, today and day 31 do not', async () => {
    sim.seedActivity([
      { daysAgo: 1, model: 'openai/gpt-4o', usage: 0.5, requests: 3, promptTokens: 100, completionTokens: 50 },
      { daysAgo: 1, model: 'openai/gpt-4o', usage: 0.25, requests: 1, promptTokens: 10, completionTokens: 5 },
      { daysAgo: 30, model: 'anthropic/claude-sonnet-4', usage: 1, requests: 2 },
      { daysAgo: 31, model: 'anthropic/claude-sonnet-4', usage: 9, requests: 9 },
      { daysAgo: 0, model: 'openai/gpt-4o-mini', usage: 7, requests: 7 },
    ]);
    const r = await get('/activity');
    assert.equal(r.status, 200);
    const rows: any[] = r.json.data;
    const yesterday = rows.find((x) => x.date === '2026-03-17' && x.model === 'openai/gpt-4o');
    assert.equal(yesterday.usage, 0.75);
    assert.equal(yesterday.requests, 4);
    assert.equal(yesterday.prompt_tokens, 110);
    assert.equal(yesterday.provider_name, 'OpenAI');
    assert.match(yesterday.endpoint_id, /^[0-9a-f-]{36}$/);
    assert.ok(rows.some((x) => x.date === '2026-02-16'), 'day 30 is inside');
    assert.ok(!rows.some((x) => x.date === '2026-02-15'), 'day 31 is outside');
    assert.ok(!rows.some((x) => x.date === '2026-03-18'), 'today is excluded');
  });

  test('a completion shows up once its UTC day has completed', async () => {
    const done = await chat({ model: 'deepseek/deepseek-chat-v3' });
    assert.equal(done.status, 200);
    const today = (await get('/activity')).json.data;
    assert.ok(!today.some((x: any) => x.model === 'deepseek/deepseek-chat-v3'));
    clock = new Date('2026-03-19T12:00:00.000Z');
    const row = (await get('/activity?date=2026-03-18')).json.data.find((x: any) => x.model === 'deepseek/deepseek-chat-v3');
    assert.equal(row.usage, done.json.usage.cost);
    assert.equal(row.requests, 1);
  });

  test('a date outside the window is a 400 with a clear message', async () => {
    for (const date of ['2026-03-19', '2026-01-01', 'yesterday']) {
      const r = await get(`/activity?date=${date}`);
      assert.equal(r.status, 400, date);
    }
    assert.equal((await get('/activity?date=2026-03-19')).json.error.message, 'Date must be within the last 30 completed UTC days');
  });

  test('api_key_hash keeps only that key and group_by=workspace adds workspace_id', async () => {
    const { hash } = sim.createKey({ name: 'other' });
    sim.seedActivity([{ daysAgo: 2, model: 'perplexity/sonar', usage: 0.01, requests: 1, keyHash: hash }]);
    const only = (await get(`/activity?api_key_hash=${hash}`)).json.data;
    assert.deepEqual(only.map((x: any) => x.model), ['perplexity/sonar']);
    const grouped = (await get('/activity?group_by=workspace')).json.data;
    assert.ok(grouped.length > 0 && grouped.every((x: any) => typeof x.workspace_id === 'string'));
    assert.ok((await get('/activity')).json.data.every((x: any) => !('workspace_id' in x)));
  });
});

describe('/keys', () => {
  test('lists pages of 100, newest first, until a short page', async () => {
    sim.seedKeys(230);
    const pages: any[][] = [];
    for (let offset = 0; ; offset += 100) {
      const page = (await get(`/keys?offset=${offset}`)).json.data;
      pages.push(page);
      if (page.length < 100) break;
    }
    const all = pages.flat();
    assert.deepEqual(pages.slice(0, 2).map((p) => p.length), [100, 100]);
    assert.ok(all.length >= 231);
    assert.equal(new Set(all.map((k) => k.hash)).size, all.length, 'no key twice');
    const times = all.map((k) => Date.parse(k.created_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.match(all[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.match(all[0].label, /^sk-or-v1-[0-9a-f]{3}\.\.\.[0-9a-f]{4}$/);
  });

  test('create (201 + key), read, update, disable, delete; disabled keys only with include_disabled', async () => {
    const created = await send('POST', '/keys', { name: 'CI key', limit: 10, limit_reset: 'weekly' });
    assert.equal(created.status, 201);
    assert.match(created.json.key, /^sk-or-v1-[0-9a-f]{64}$/);
    const hash = created.json.data.hash;
    assert.equal(created.json.data.limit_remaining, 10);
    assert.equal((await get('/key', created.json.key)).status, 200, 'the new key works');
    const patched = await send('PATCH', `/keys/${hash}`, { name: 'CI key 2', disabled: true });
    assert.equal(patched.json.data.name, 'CI key 2');
    assert.ok(patched.json.data.updated_at);
    assert.equal((await get('/key', created.json.key)).status, 401, 'a disabled key is refused');
    const listed = async (q: string): Promise<boolean> => {
      for (let offset = 0; ; offset += 100) {
        const page = (await get(`/keys?offset=${offset}${q}`)).json.data;
        if (page.some((k: any) => k.hash === hash)) return true;
        if (page.length < 100) return false;
      }
    };
    assert.equal(await listed(''), false);
    assert.equal(await listed('&include_disabled=true'), true);
    assert.deepEqual((await send('DELETE', `/keys/${hash}`, {})).json, { deleted: true });
    assert.equal((await get(`/keys/${hash}`)).status, 404);
    assert.equal((await get('/key', created.json.key)).status, 401);
  });

  test('bad bodies are 400 and unknown hashes 404', async () => {
    assert.equal((await send('POST', '/keys', { limit: 5 })).status, 400);
    assert.equal((await send('POST', '/keys', { name: 'x', limit_reset: 'yearly' })).status, 400);
    assert.equal((await send('POST', '/keys', { name: 'x', expires_at: '2030-01-01T00:00:00+02:00' })).status, 400);
    const unknown = await get(`/keys/${'a'.repeat(64)}`);
    assert.deepEqual(unknown, { status: 404, json: { error: { code: 404, message: 'Resource not found' } } });
  });
});

describe('/models and billing', () => {
  test('the catalogue has string prices, a discount, both override kinds, a free model and a "-1" router', async () => {
    const res = await fetch(sim.baseUrl + '/models');
    const body: any = await res.json();
    const models: any[] = body.data;
    assert.equal(body.total_count, models.length);
    assert.ok(models.length >= 8);
    assert.ok(models.every((m) => typeof m.pricing.prompt === 'string' && typeof m.pricing.completion === 'string'));
    assert.ok(models.some((m) => typeof m.pricing.discount === 'number' && m.pricing.discount > 0));
    assert.ok(models.some((m) => m.pricing.overrides?.some((o: any) => o.min_prompt_tokens !== undefined)));
    assert.ok(models.some((m) => m.pricing.overrides?.some((o: any) => o.utc_start !== undefined)));
    assert.ok(models.some((m) => m.id.endsWith(':free') && m.pricing.prompt === '0'));
    assert.equal(models.find((m) => m.id === 'openrouter/auto').pricing.prompt, '-1');
  });

  test('usage.cost follows the published prices: discount, time window wrapping midnight, prompt-size tiers', async () => {
    const pricing = new Map<string, any>(((await (await fetch(sim.baseUrl + '/models')).json()) as any).data.map((m: any) => [m.id, m.pricing]));
    const expect = (p: any, pt: number, ct: number): number =>
      (pt * Number(p.prompt) + ct * Number(p.completion) + Number(p.request ?? 0)) * (1 - (p.discount ?? 0));

    const mistral = await chat({ model: 'mistralai/mistral-large' });
    assert.equal(mistral.json.usage.cost, expect(pricing.get('mistralai/mistral-large'), mistral.json.usage.prompt_tokens, mistral.json.usage.completion_tokens));

    const deepseek = pricing.get('deepseek/deepseek-chat-v3');
    const offPeak = { ...deepseek, ...deepseek.overrides[0] };
    for (const [time, prices] of [['T12:00:00Z', deepseek], ['T23:59:00Z', offPeak], ['T00:10:00Z', offPeak], ['T00:30:00Z', deepseek]] as const) {
      clock = new Date(`2026-03-19${time}`);
      const r = await chat({ model: 'deepseek/deepseek-chat-v3' });
      assert.equal(r.json.usage.cost, expect(prices, r.json.usage.prompt_tokens, r.json.usage.completion_tokens), time);
    }

    const qwen = pricing.get('qwen/qwen3-max');
    const big = 'x'.repeat(4 * 32000);
    const tier = await chat({ model: 'qwen/qwen3-max', messages: [{ role: 'user', content: big }] });
    assert.ok(tier.json.usage.prompt_tokens > 32000);
    assert.equal(tier.json.usage.cost, expect({ ...qwen, ...qwen.overrides[0] }, tier.json.usage.prompt_tokens, tier.json.usage.completion_tokens));
    const small = await chat({ model: 'qwen/qwen3-max' });
    assert.equal(small.json.usage.cost, expect(qwen, small.json.usage.prompt_tokens, small.json.usage.completion_tokens));

    const sonar = await chat({ model: 'perplexity/sonar' });
    assert.equal(sonar.json.usage.cost, expect(pricing.get('perplexity/sonar'), sonar.json.usage.prompt_tokens, sonar.json.usage.completion_tokens));
  });

  test('a :free model costs nothing and counts in free_model_daily_requests', async () => {
    const before = (await get('/key', sim.inferenceKey)).json.data.free_model_daily_requests.used;
    const r = await chat({ model: 'meta-llama/llama-3.3-70b-instruct:free' });
    assert.equal(r.json.usage.cost, 0);
    assert.equal((await get('/key', sim.inferenceKey)).json.data.free_model_daily_requests.used, before + 1);
  });

  test('daily usage resets at UTC midnight while all-time usage keeps growing', async () => {
    const { key } = sim.createKey({ name: 'daily', limit: 1, limitReset: 'daily' });
    clock = new Date('2026-03-20T23:00:00Z');
    const spent = (await chat({ model: 'openai/gpt-4o' }, key)).json.usage.cost;
    clock = new Date('2026-03-21T01:00:00Z');
    const k = (await get('/key', key)).json.data;
    assert.equal(k.usage, spent);
    assert.equal(k.usage_daily, 0);
    assert.equal(k.limit_remaining, 1);
  });
});

describe('transport', () => {
  test('serves HTTPS with a self-signed certificate', async () => {
    const tls = selfSignedCertificate();
    const secure = await startSimulator({ https: tls });
    try {
      assert.match(secure.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(`${secure.baseUrl}/models`, { ca: tls.cert }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      await secure.close();
    }
  });

  test('a request sent through it as a forward proxy is recorded with viaProxy', async () => {
    const { port } = new URL(sim.origin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: Number(port), path: `${sim.baseUrl}/models`, method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    const last = sim.requests[sim.requests.length - 1];
    assert.equal(last.path, '/api/v1/models');
    assert.equal(last.viaProxy, true);
  });
});
