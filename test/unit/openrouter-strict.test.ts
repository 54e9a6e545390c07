/**
 * Issue 9 items 7 and 11: the simulator is as strict as OpenRouter's API reference, and the client
 * reads each of these answers correctly (clear message, money right). Real simulator over HTTP,
 * real undici, real sql.js ledger in a temp folder. The simulator's clock is injected (`now`) only
 * where /activity needs a completed day.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { isOpenRouterError, type OpenRouterError } from '../../src/openrouter/errors';
import { openLedger } from '../../src/ledger';
import type { StoredGeneration } from '../../src/ledger/types';
import { runAuditedStream, type AuditContext } from '../../src/chat/auditedCall';
import { GenerationBackfiller } from '../../src/chat/backfill';
import { ModelCatalog } from '../../src/chat/modelCatalog';
import { preflight } from '../../src/chat/preflight';
import { BUDGET_OFF } from '../../src/budget/policy';
import type { ChatRequest } from '../../src/openrouter/types';
import { silentLogger } from '../../src/util/logger';

const WASM = path.resolve('node_modules/sql.js/dist/sql-wasm.wasm');
const context: AuditContext = {
  userId: 'dev-1', tags: [], workspace: null, gitBranch: null, storePrompts: 'none', redactionPatterns: [], keyLabel: 'sk-or-v1-abc…wxyz', chatSession: 'strict-session',
};
const ask = (model: string, content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model, messages: [{ role: 'user', content }], maxTokens: 64, ...extra });

async function rejection(p: Promise<unknown>): Promise<OpenRouterError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isOpenRouterError(err), `an OpenRouterError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

async function raw(sim: Simulator, body: Record<string, unknown>): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${sim.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.inferenceKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...body }),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

describe('a strict simulator and a client that reads it right', () => {
  // The simulator's clock starts at the real time (the client reads reset headers against it) and is moved on a day for /activity.
  let clock = Date.now();
  const today = () => new Date(clock).toISOString().slice(0, 10);
  let sim: Simulator;
  let transport: ClosableTransport;
  let client: OpenRouterClient;
  let dir: string;
  let ledger: Awaited<ReturnType<typeof openLedger>>;
  let backfiller: GenerationBackfiller;

  before(async () => {
    sim = await startSimulator({ generationDelayMs: 100, streamChunkDelayMs: 2, now: () => new Date(clock) });
    transport = undiciTransport();
    client = simulatorClient(sim, transport, { timeoutMs: 3_000 });
  });

  beforeEach(async () => {
    sim.clearFaults();
    sim.configure({ downProviders: [], byokProviders: [], generationNotReady: '404', streamChunkDelayMs: 2 });
    backfiller?.dispose();
    if (ledger) await ledger.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(path.join(tmpdir(), 'orl-strict-'));
    ledger = await openLedger({ dir, wasmPath: WASM, snapshotDelayMs: 50, maxSnapshotDelayMs: 200 });
    backfiller = new GenerationBackfiller({ client: () => client, ledger: async () => ledger, logger: silentLogger, waitMs: 5_000, abandonAfterMs: 60_000 });
  });

  after(async () => {
    backfiller?.dispose();
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await transport.close();
    await sim.close();
  });

  const rowByUid = async (uid: string | null): Promise<StoredGeneration> => {
    assert.ok(uid, 'the call was recorded');
    const row = (await ledger.queries.recent(100)).find((r) => r.uid === uid);
    assert.ok(row, `row ${uid} is in the ledger`);
    return row;
  };

  it('provider.max_price must be decimal strings, as the spec types it; the client sends strings', async () => {
    const numbers = await raw(sim, { model: 'openai/gpt-4o-mini', provider: { max_price: { prompt: 100, completion: 100 } } });
    assert.equal(numbers.status, 400);
    assert.match(numbers.json.error.message, /provider\.max_price\.prompt must be a decimal string/);
    const completion = await client.chat({ ...ask('openai/gpt-4o-mini', 'caps'), maxPrice: { prompt: 0.15, completion: 0.6, request: 0 } });
    assert.equal(completion.error, null);
    const sent = sim.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.body as { provider: { max_price: unknown } };
    assert.deepEqual(sent.provider.max_price, { prompt: '0.15', completion: '0.6', request: '0' });
  });

  it('max_price is checked per provider: another endpoint serves when one is down, and /activity has a row per endpoint', async () => {
    const listed = await client.chat(ask('openai/gpt-4o-mini', 'first provider'));
    sim.configure({ downProviders: ['OpenAI'] });
    const other = await client.chat(ask('openai/gpt-4o-mini', 'first provider'));
    assert.equal(listed.provider, 'OpenAI');
    assert.equal(other.provider, 'Azure', 'the second endpoint served');
    assert.ok(Math.abs(other.usage!.cost! - listed.usage!.cost! * 1.2) < 1e-15, 'at its own (higher) price');
    // Caps at the listed price leave no endpoint while the cheap provider is down.
    const capped = await rejection(client.chat({ ...ask('openai/gpt-4o-mini', 'first provider'), maxPrice: { prompt: 0.15, completion: 0.6 } }));
    assert.equal(capped.status, 404);
    assert.match(capped.userMessage, /price cap/i);
    clock += 24 * 3_600_000;
    try {
      const rows = (await client.getActivity({ date: new Date(clock - 24 * 3_600_000).toISOString().slice(0, 10) })).filter((r) => r.model === 'openai/gpt-4o-mini');
      assert.deepEqual(rows.map((r) => r.providerName).sort(), ['Azure', 'OpenAI']);
      assert.notEqual(rows[0].endpointId, rows[1].endpointId);
      // Both endpoints' rows are kept and the model's day is their sum, not whichever came last.
      const all = await client.getActivity({ date: rows[0].date });
      await ledger.upsertActivity(all);
      const day = (await ledger.queries.activity({ from: Date.parse(`${rows[0].date}T00:00:00Z`), to: Date.parse(`${rows[0].date}T00:00:00Z`) + 86_400_000 }))
        .find((d) => d.model === 'openai/gpt-4o-mini');
      assert.ok(day && Math.abs(day.usage - (rows[0].usage + rows[1].usage)) < 1e-15 && day.requests === rows[0].requests + rows[1].requests);
    } finally {
      clock -= 24 * 3_600_000;
    }
  });

  it('after "Send anyway" in warn mode the request is served; with the budget-derived caps it is not', async () => {
    const catalog = new ModelCatalog(() => client, async () => ledger);
    const model = await catalog.find('openai/gpt-4o');
    const request = ask('openai/gpt-4o', 'over budget please');
    const check = await preflight({
      model, modelId: 'openai/gpt-4o', messages: request.messages, maxTokens: 64, spentSince: async () => 0, keyInfo: null, now: new Date(),
      budget: { ...BUDGET_OFF, perRequest: 0.0001, mode: 'warn' },
    });
    assert.equal(check.decision.verdict, 'confirm');
    const scaled = await rejection(client.chat({ ...request, maxPrice: check.maxPrice! }));
    assert.equal(scaled.status, 404, 'caps scaled below the listed prices leave OpenRouter no provider');
    const confirmed = await client.chat({ ...request, maxPrice: check.maxPriceIfConfirmed! });
    assert.equal(confirmed.error, null);
    assert.ok(confirmed.content.length > 0, 'the user’s explicit choice is honoured');
  });

  it('an aborted stream is billed in full where the provider cannot stop, and the ledger ends with that exact cost', async () => {
    sim.configure({ streamChunkDelayMs: 20 });
    const abort = new AbortController();
    const result = await runAuditedStream({ client, ledger }, ask('google/gemini-2.5-pro', 'a long answer [[tokens:60]]', { maxTokens: 100 }), context, {
      onDelta: () => abort.abort(),
    }, abort.signal);
    assert.equal(result.status, 'cancelled');
    let gen = sim.generations().find((g) => g.id === result.generationId);
    for (let i = 0; !gen && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      gen = sim.generations().find((g) => g.id === result.generationId);
    }
    assert.ok(gen, 'OpenRouter recorded the aborted generation');
    assert.equal(gen.cancelled, true);
    assert.equal(gen.completionTokens, 60, 'Google bills the full response after an abort');
    await backfiller.enqueue(result.uid!, result.generationId!);
    const row = await rowByUid(result.uid);
    assert.equal(row.cost_source, 'generation');
    assert.equal(row.total_cost, gen.cost);
    assert.equal(row.completion_tokens, 60);
  });

  it('free models stop at the daily limit with a 429 the client explains (limit, reset at UTC midnight)', async () => {
    sim.setAccountCredits(5, 0);
    try {
      for (let i = 0; i < 50; i++) assert.equal((await raw(sim, { model: 'meta-llama/llama-3.3-70b-instruct:free' })).status, 200, `request ${i + 1}`);
      const over = await raw(sim, { model: 'meta-llama/llama-3.3-70b-instruct:free' });
      assert.equal(over.status, 429);
      assert.equal(over.headers.get('x-ratelimit-limit'), '50');
      assert.equal(over.headers.get('x-ratelimit-reset'), String(Date.parse(`${today()}T00:00:00Z`) + 24 * 3_600_000));
      assert.equal(over.json.error.metadata.limit_source, 'openrouter_free_tier_daily');
      const err = await rejection(client.chat(ask('meta-llama/llama-3.3-70b-instruct:free', 'one more')));
      assert.match(err.userMessage, /free-model requests/);
      assert.match(err.userMessage, /50 per day/);
      assert.ok(err.retryAfterMs !== null && err.retryAfterMs > 0 && err.retryAfterMs <= 24 * 3_600_000, 'it says when the limit resets');
    } finally {
      sim.setAccountCredits(25, 0);
    }
  });

  it('availability errors carry no error.code; the client still reads the status and says what is wrong', async () => {
    const unknown = await raw(sim, { model: 'vendor/no-such-model' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, undefined, 'as in the docs’ examples');
    assert.equal(unknown.json.error.http_status, 400);
    assert.equal(unknown.json.error.availability.code, 'model_not_found');
    const err = await rejection(client.chat(ask('vendor/no-such-model', 'x')));
    assert.equal(err.code, 400);
    assert.match(err.userMessage, /vendor\/no-such-model/);
    assert.match(err.userMessage, /not .*model|does not know/i);
  });

  it('a 200 whose choice carries an error is an error — non-streaming and streamed — and the partial reply is billed', async () => {
    sim.injectFault({ kind: 'choice-error', afterTokens: 3, message: 'Provider returned error' });
    const completion = await client.chat(ask('openai/gpt-4o-mini', 'fail midway [[tokens:20]]'));
    assert.ok(completion.error, 'the error in the choice is reported');
    assert.match(completion.error.message, /Provider returned error/);
    assert.equal(completion.finishReason, 'error');

    sim.injectFault({ kind: 'choice-error', afterTokens: 4 });
    const result = await runAuditedStream({ client, ledger }, ask('openai/gpt-4o-mini', 'fail midway [[tokens:20]]'), context, { onDelta: () => undefined });
    assert.equal(result.status, 'error');
    const row = await rowByUid(result.uid);
    assert.equal(row.status, 'error');
    assert.equal(row.http_status, 200);
    const gen = sim.generations().find((g) => g.id === result.generationId)!;
    assert.equal(row.total_cost, gen.cost, 'the tokens produced before the error are billed, and recorded');
    assert.ok(gen.cost > 0);
  });

  it('/generation answering `data: null` is "not ready yet", never a $0 record', async () => {
    sim.configure({ generationNotReady: 'data-null' });
    const completion = await client.chat(ask('openai/gpt-4o-mini', 'price me later'));
    const early = await fetch(`${sim.baseUrl}/generation?id=${completion.id}`, { headers: { authorization: `Bearer ${sim.inferenceKey}` } });
    assert.equal(early.status, 200);
    assert.deepEqual(await early.json(), { data: null });
    assert.equal(await client.getGeneration(completion.id), null, 'no record yet');
    const record = await client.getGeneration(completion.id, { waitMs: 3_000 });
    assert.equal(record?.totalCost, completion.usage!.cost);
  });

  it('a 403 "Budget limit exceeded" names the OpenRouter-side budget, what was spent and when it resets', async () => {
    sim.injectFault({ kind: 'status', status: 403, path: '/chat/completions', limitSource: 'openrouter_workspace_budget' });
    const err = await rejection(client.chat(ask('openai/gpt-4o-mini', 'x')));
    assert.equal(err.status, 403);
    assert.equal(err.metadata?.limitSource, 'openrouter_workspace_budget');
    assert.match(err.userMessage, /workspace budget/);
    assert.match(err.userMessage, /\$5\.00/);
    assert.match(err.userMessage, /resets/);
    assert.doesNotMatch(err.userMessage, /management key/);
    assert.equal(err.transient, false);
  });

  it('BYOK and prompt-cache fields are parsed and recorded: upstream cost, fee, cached and cache-write tokens, cache discount', async () => {
    sim.configure({ byokProviders: ['Anthropic'] });
    const result = await runAuditedStream({ client, ledger }, ask('anthropic/claude-sonnet-4', `${'context '.repeat(50)}[[cached:40]] [[cache_write:10]] [[tokens:10]]`), context, {
      onDelta: () => undefined,
    });
    assert.equal(result.status, 'success');
    const usage = result.usage!;
    assert.equal(usage.isByok, true);
    assert.equal(usage.cachedTokens, 40);
    assert.equal(usage.cacheWriteTokens, 10);
    // Claude Sonnet 4: $3/M in, $15/M out, cache read $0.30/M, cache write $3.75/M (the catalogue).
    const discount = 40 * (0.000003 - 0.0000003) - 10 * (0.00000375 - 0.000003);
    const providerCharge = usage.promptTokens * 0.000003 + 10 * 0.000015 - discount;
    assert.ok(Math.abs(usage.upstreamInferenceCost! - providerCharge) < 1e-12, 'the provider’s charge');
    assert.ok(Math.abs(usage.cost! - providerCharge * 0.05) < 1e-12, 'OpenRouter bills its 5% BYOK fee');
    await backfiller.enqueue(result.uid!, result.generationId!);
    const row = await rowByUid(result.uid);
    assert.equal(row.is_byok, 1);
    assert.equal(row.cached_tokens, 40);
    assert.ok(Math.abs(row.upstream_inference_cost! - providerCharge) < 1e-12);
    assert.ok(Math.abs(row.cache_discount! - discount) < 1e-12);
    assert.ok(Math.abs(row.total_cost! - providerCharge * 0.05) < 1e-12);
    const key = await client.getKeyInfo();
    assert.ok(Math.abs(key.byokUsageDaily! - providerCharge) < 1e-12, '/key counts the BYOK spend');
  });
});
