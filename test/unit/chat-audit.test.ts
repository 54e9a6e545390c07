/**
 * Issue 4: every completion is audited in the ledger with its exact cost, whatever happens to it.
 * Real simulator over HTTP, real undici, real sql.js ledger files in a temp folder.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { openLedger, type LocalLedger as Ledger } from '../../src/ledger';
import type { StoredGeneration } from '../../src/ledger/types';
import { runAuditedStream, type AuditContext } from '../../src/chat/auditedCall';
import { GenerationBackfiller } from '../../src/chat/backfill';
import { ModelCatalog } from '../../src/chat/modelCatalog';
import { preflight } from '../../src/chat/preflight';
import { promptHash } from '../../src/chat/promptHash';
import { BUDGET_OFF } from '../../src/budget/policy';
import type { ChatRequest } from '../../src/openrouter/types';
import { isOpenRouterError, SETTINGS_URLS } from '../../src/openrouter/errors';
import { silentLogger } from '../../src/util/logger';

const WASM = path.resolve('node_modules/sql.js/dist/sql-wasm.wasm');
const MODEL = 'openai/gpt-4o-mini';
const KEY_IN_PROMPT = 'sk-or-v1-' + 'fedcba9876543210'.repeat(4);

const context = (overrides: Partial<AuditContext> = {}): AuditContext => ({
  userId: 'dev-42',
  tags: ['team-a'],
  workspace: 'demo',
  gitBranch: 'main',
  storePrompts: 'none',
  redactionPatterns: [],
  keyLabel: 'sk-or-v1-abc…wxyz',
  chatSession: 'session-1',
  ...overrides,
});

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: MODEL,
  messages: [{ role: 'user', content }],
  maxTokens: 64,
  ...extra,
});

describe('audited chat against the simulator', () => {
  let sim: Simulator;
  let transport: ClosableTransport;
  let client: OpenRouterClient;
  let dir: string;
  let ledger: Ledger;
  let backfiller: GenerationBackfiller;

  before(async () => {
    sim = await startSimulator({ generationDelayMs: 150, streamChunkDelayMs: 2 });
    transport = undiciTransport();
    client = simulatorClient(sim, transport, { timeoutMs: 3_000 });
  });

  beforeEach(async () => {
    sim.clearFaults();
    sim.configure({ usageChunkVariant: 'empty-choices', keepAliveComments: true });
    backfiller?.dispose();
    if (ledger) await ledger.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(path.join(tmpdir(), 'orl-chat-'));
    ledger = await openLedger({ dir, wasmPath: WASM, snapshotDelayMs: 50, maxSnapshotDelayMs: 200 });
    backfiller = new GenerationBackfiller({
      client: () => client,
      ledger: async () => ledger,
      logger: silentLogger,
      waitMs: 5_000,
      abandonAfterMs: 60_000,
    });
  });

  after(async () => {
    backfiller?.dispose();
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await transport.close();
    await sim.close();
  });

  const rowByUid = (uid: string | null): StoredGeneration => {
    assert.ok(uid, 'the call was recorded');
    const row = ledger.queries.recent(100).find((r) => r.uid === uid);
    assert.ok(row, `row ${uid} is in the ledger`);
    return row;
  };

  it('a streamed answer is recorded at once with usage.cost, then completed from /generation', async () => {
    sim.configure({ usageChunkVariant: 'one-empty-choice' });
    const deltas: string[] = [];
    const result = await runAuditedStream({ client, ledger }, ask('Explain SSE in one line'), context(), { onDelta: (t) => deltas.push(t) });
    assert.equal(result.status, 'success');
    assert.ok(deltas.length > 1, 'the answer arrived in several pieces');
    assert.match(result.content, /^You said: Explain SSE in one line/, "the simulator's reply, whole");

    const generation = sim.generations().find((g) => g.id === result.generationId);
    assert.ok(generation, 'the simulator billed this generation');
    const first = rowByUid(result.uid);
    assert.equal(first.cost_source, 'usage');
    // The ledger keeps whole nano-dollars: the simulator's float product, to the nano-dollar.
    assert.equal(first.total_cost, Math.round(generation.cost * 1e9) / 1e9, 'usage.cost is recorded immediately');
    assert.equal(first.backfill, 'pending');
    assert.equal(first.model_requested, MODEL);
    assert.equal(first.status, 'success');
    assert.equal(first.user_id, 'dev-42');
    assert.equal(first.prompt_hash, promptHash(ask('Explain SSE in one line').messages));
    assert.equal(first.prompt_text, null, 'no prompt text is stored by default');
    assert.ok((first.latency_ms ?? -1) >= 0 && first.ttft_ms !== null);
    assert.equal(first.streamed, 1);

    await backfiller.enqueue(result.uid!, result.generationId!);
    const done = rowByUid(result.uid);
    assert.equal(done.cost_source, 'generation');
    assert.equal(done.backfill, 'done');
    assert.equal(done.total_cost, Math.round(generation.cost * 1e9) / 1e9, 'exact cost from /generation (to the nano-dollar)');
    assert.equal(done.prompt_tokens, generation.promptTokens, 'native token counts');
    assert.equal(done.completion_tokens, generation.completionTokens);
    assert.equal(done.provider, 'OpenAI');
    assert.equal(done.finish_reason, 'stop');
  });

  it('a cancelled stream is recorded as cancelled and priced after the /generation lag', async () => {
    sim.configure({ streamChunkDelayMs: 20 });
    const abort = new AbortController();
    let chunks = 0;
    const result = await runAuditedStream(
      { client, ledger, estimateCost: (p, c) => p * 1e-7 + c * 1e-6, estimatePromptTokens: () => 10 },
      ask('Write a very long story about ledgers', { maxTokens: 400 }),
      context(),
      { onDelta: () => ++chunks === 3 && abort.abort() },
      abort.signal,
    );
    sim.configure({ streamChunkDelayMs: 2 });
    assert.equal(result.status, 'cancelled');
    assert.ok(result.generationId, 'the id is known from the first chunk / X-Generation-Id');
    const row = rowByUid(result.uid);
    assert.equal(row.status, 'cancelled');
    assert.equal(row.cost_source, 'estimate', 'no usage arrived, so the row starts with an estimate');

    await backfiller.enqueue(result.uid!, result.generationId!);
    const billed = sim.generations().find((g) => g.id === result.generationId);
    assert.ok(billed?.cancelled, 'OpenRouter recorded the cancel');
    const priced = rowByUid(result.uid);
    assert.equal(priced.cost_source, 'generation');
    assert.equal(priced.total_cost, Math.round(billed.cost * 1e9) / 1e9, 'the cancelled request carries its exact billed cost (to the nano-dollar)');
    assert.equal(priced.status, 'cancelled');
  });

  it('a mid-stream error is recorded as an error with its id and code', async () => {
    sim.injectFault({ kind: 'mid-stream-error', afterChunks: 2, code: 502, errorType: 'provider_unavailable', message: 'Provider returned error' });
    const result = await runAuditedStream({ client, ledger }, ask('hello there'), context(), { onDelta: () => undefined });
    assert.equal(result.status, 'error');
    const row = rowByUid(result.uid);
    assert.equal(row.status, 'error');
    assert.ok(row.generation_id, 'the generation id is kept');
    assert.equal(row.error_code, 'provider_unavailable');
    assert.equal(row.http_status, 200, 'the HTTP status was 200; the error came in the stream');
    assert.equal(row.finish_reason, 'error');
  });

  for (const limitSource of ['openrouter_credits', 'openrouter_key_limit', 'openrouter_in_flight_budget'] as const) {
    it(`a 402 (${limitSource}) before any id is recorded as an error and explained`, async () => {
      sim.injectFault({ kind: 'status', status: 402, path: '/chat/completions', limitSource, retryAfterSeconds: limitSource === 'openrouter_in_flight_budget' ? 3 : undefined });
      const result = await runAuditedStream({ client, ledger }, ask('hi'), context(), { onDelta: () => undefined });
      assert.equal(result.status, 'error');
      assert.equal(result.generationId, null);
      const row = rowByUid(result.uid);
      assert.equal(row.http_status, 402);
      assert.equal(row.generation_id, null);
      assert.ok(isOpenRouterError(result.error));
      assert.equal(result.error.metadata?.limitSource, limitSource);
      const expected = {
        openrouter_credits: /account does not have enough credits/i,
        openrouter_key_limit: /key has reached its spending limit/i,
        openrouter_in_flight_budget: /still running.*try again in 3 seconds/i,
      }[limitSource];
      assert.match(result.error.userMessage, expected);
      const page = { openrouter_credits: SETTINGS_URLS.credits, openrouter_key_limit: SETTINGS_URLS.keys, openrouter_in_flight_budget: SETTINGS_URLS.credits }[limitSource];
      assert.equal(result.error.settingsUrl, page, 'the button opens the page for the bound that stopped the request');
    });
  }

  it('a 429 is recorded as an error with its code, and says when to retry', async () => {
    sim.injectFault({ kind: 'status', status: 429, path: '/chat/completions', retryAfterSeconds: 20 });
    const result = await runAuditedStream({ client, ledger }, ask('hi'), context(), { onDelta: () => undefined });
    const row = rowByUid(result.uid);
    assert.equal(row.status, 'error');
    assert.equal(row.http_status, 429);
    assert.ok(isOpenRouterError(result.error));
    assert.match(result.error.userMessage, /20 s|20 seconds|retry/i);
  });

  it('a request that times out is recorded as a timeout', async () => {
    const slow = new OpenRouterClient({ baseUrl: sim.baseUrl, transport, timeoutMs: 200, getKey: async () => sim.inferenceKey });
    sim.injectFault({ kind: 'delay', ms: 1_000, path: '/chat/completions' });
    const result = await runAuditedStream({ client: slow, ledger }, ask('hi'), context(), { onDelta: () => undefined });
    assert.equal(result.status, 'timeout');
    assert.equal(rowByUid(result.uid).status, 'timeout');
  });

  it('a fallback model is recorded as the model used', async () => {
    const request = ask('hi', { model: 'openai/gpt-4o-unavailable', models: ['openai/gpt-4o-unavailable', MODEL] });
    const result = await runAuditedStream({ client, ledger }, request, context(), { onDelta: () => undefined });
    assert.equal(result.status, 'success', String(result.error));
    const row = rowByUid(result.uid);
    assert.equal(row.model_requested, 'openai/gpt-4o-unavailable');
    assert.equal(row.model_used, MODEL);
  });

  it('"redacted" stores the prompt without the secrets; "full" stores it as typed', async () => {
    const prompt = 'mail jane@example.com the key sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const redacted = await runAuditedStream({ client, ledger }, ask(prompt), context({ storePrompts: 'redacted' }), { onDelta: () => undefined });
    const text = rowByUid(redacted.uid).prompt_text ?? '';
    assert.ok(text.includes('mail') && !text.includes('jane@example.com') && !text.includes('0123456789abcdef0123'), text);
    const full = await runAuditedStream({ client, ledger }, ask(`plain question ${KEY_IN_PROMPT}`), context({ storePrompts: 'full' }), { onDelta: () => undefined });
    const stored = rowByUid(full.uid).prompt_text ?? '';
    assert.match(stored, /plain question/);
    assert.ok(!stored.includes(KEY_IN_PROMPT), 'even a full prompt never puts a key into the ledger');
  });

  it('when the ledger cannot record the call it is not sent, unless the user agrees: then the answer arrives and the failure is reported', async () => {
    await ledger.close();
    const refused = await runAuditedStream({ client, ledger }, ask('do not send me'), context(), { onDelta: () => undefined });
    assert.equal(refused.sent, false);
    assert.ok(!sim.requests.some((r) => JSON.stringify(r.body ?? '').includes('do not send me')), 'nothing reached OpenRouter');
    const result = await runAuditedStream({ client, ledger, confirmUnrecorded: async () => true }, ask('still answer me'), context(), { onDelta: () => undefined });
    assert.equal(result.sent, true);
    assert.equal(result.status, 'success');
    assert.match(result.content, /still answer me/);
    assert.equal(result.uid, null);
    assert.ok(result.recordError, 'the write failure is handed back to be shown');
    ledger = await openLedger({ dir, wasmPath: WASM });
  });

  it('budgets: max_price is derived and sent; block refuses a request over the per-request limit; daily spend counts', async () => {
    const catalog = new ModelCatalog(() => client, async () => ledger);
    const model = await catalog.find(MODEL);
    assert.ok(model, 'the model is in the /models price list');
    const messages = ask('hello').messages;
    const spentSince = async (from: Date) => ledger.queries.summary({ from: from.getTime(), to: Date.now() + 1 }).cost;
    const base = { model, modelId: MODEL, messages, maxTokens: 64, spentSince, keyInfo: null, now: new Date() };

    const generous = await preflight({ ...base, budget: { ...BUDGET_OFF, perRequest: 1, mode: 'block' } });
    assert.equal(generous.decision.verdict, 'ok');
    assert.ok(generous.maxPrice && generous.maxPrice.completion > 0);
    const result = await runAuditedStream({ client, ledger }, { ...ask('hello'), maxPrice: generous.maxPrice! }, context(), { onDelta: () => undefined });
    assert.equal(result.status, 'success');
    const sent = sim.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.body as { provider?: { max_price?: unknown }; max_tokens?: number };
    assert.ok(sent.provider?.max_price, 'provider.max_price was sent to OpenRouter');
    assert.equal(sent.max_tokens, 64);

    const tiny = await preflight({ ...base, budget: { ...BUDGET_OFF, perRequest: 1e-9, mode: 'block' } });
    assert.equal(tiny.decision.verdict, 'refuse');
    const warn = await preflight({ ...base, budget: { ...BUDGET_OFF, perRequest: 1e-9, mode: 'warn' } });
    assert.equal(warn.decision.verdict, 'confirm');

    // What OpenRouter billed for this test's one request, independent of the ledger's own sums.
    const spent = sim.generations().find((g) => g.id === result.generationId)?.cost ?? 0;
    assert.ok(spent > 0);
    assert.ok(Math.abs(ledger.queries.summary({ from: Date.now() - 60_000, to: Date.now() + 1 }).cost - spent) < 1e-12, 'the ledger counts exactly what was billed');
    const daily = await preflight({ ...base, budget: { ...BUDGET_OFF, daily: spent / 2, mode: 'block' } });
    assert.equal(daily.decision.verdict, 'refuse', 'the ledger already holds more than the daily budget');
    const monthly = await preflight({ ...base, budget: { ...BUDGET_OFF, monthly: spent / 2, mode: 'warn' } });
    assert.equal(monthly.decision.verdict, 'confirm');
  });

  it('a router model with an unknown price is never estimated as free', async () => {
    const catalog = new ModelCatalog(() => client, async () => ledger);
    const auto = await catalog.find('openrouter/auto');
    const check = await preflight({
      model: auto,
      modelId: 'openrouter/auto',
      messages: ask('x').messages,
      maxTokens: 64,
      budget: { ...BUDGET_OFF, perRequest: 0.5, mode: 'block' },
      spentSince: async () => 0,
      keyInfo: null,
      now: new Date(),
    });
    assert.equal(check.estimate.usd, null);
    assert.equal(check.decision.verdict, 'refuse');
    assert.match(check.decision.summary, /unknown/i);
  });

  it('the ledger file on disk holds the audited row with its exact cost and no key', async () => {
    const result = await runAuditedStream({ client, ledger }, ask('persist me'), context(), { onDelta: () => undefined });
    await backfiller.enqueue(result.uid!, result.generationId!);
    await ledger.close();
    const bytes = readFileSync(path.join(dir, 'ledger.sqlite'));
    const text = bytes.toString('latin1');
    assert.ok(text.startsWith('SQLite format 3'), 'a real SQLite file');
    assert.ok(text.includes(result.generationId!), 'the row is in the file');
    assert.ok(!text.includes(sim.inferenceKey), 'no key in the ledger file');
    ledger = await openLedger({ dir, wasmPath: WASM });
    const reopened = rowByUid(result.uid);
    assert.equal(reopened.cost_source, 'generation');
    assert.equal(reopened.total_cost, sim.generations().find((g) => g.id === result.generationId)?.cost);
  });
});
