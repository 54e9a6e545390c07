/**
 * Failure handling against the simulator: timeouts, dropped connections, malformed bodies,
 * status faults, and retry/backoff on a fake clock (real HTTP, no real waiting between attempts).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenRouterClient, type OpenRouterClientOptions } from '../../src/openrouter/client';
import { SETTINGS_URLS } from '../../src/openrouter/errors';
import type { Clock } from '../../src/openrouter/retry';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { startSimulator, type Simulator } from '../simulator';
import { rejection } from './helpers/rejection';

let sim: Simulator;
let transport: ClosableTransport;

/** Time only moves when the client sleeps; every requested sleep is recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = Date.parse('2026-05-01T12:00:00Z');
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

function client(overrides: Partial<OpenRouterClientOptions> = {}): OpenRouterClient {
  return new OpenRouterClient({
    baseUrl: sim.baseUrl,
    getKey: async (kind) => (kind === 'management' ? sim.managementKey : sim.inferenceKey),
    transport,
    timeoutMs: 2_000,
    ...overrides,
  });
}

function requestsTo(path: string, since: number): number {
  return sim.requests.slice(since).filter((r) => r.path === `/api/v1${path}`).length;
}

const chatRequest = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 16 };

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
  transport = undiciTransport();
});

after(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => sim.clearFaults());

describe('retry and backoff (fake clock)', () => {
  it('retries a 503 with full-jitter exponential backoff and then succeeds', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 500, path: '/credits', times: 2 });
    const start = sim.requests.length;
    const credits = await client({ clock, retry: { maxAttempts: 3, baseDelayMs: 400, random: () => 0.5 } }).getCredits();
    assert.equal(credits.totalCredits, sim.accountState().totalCredits);
    assert.equal(requestsTo('/credits', start), 3);
    assert.deepEqual(clock.sleeps, [200, 400], 'random × 400 ms, then random × 800 ms');
  });

  it('gives up after the configured number of attempts with the last error', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 502, path: '/key', times: 5 });
    const start = sim.requests.length;
    const err = await rejection(client({ clock, retry: { maxAttempts: 4, random: () => 0 } }).getKeyInfo());
    assert.equal(err.status, 502);
    assert.equal(requestsTo('/key', start), 4);
    assert.equal(clock.sleeps.length, 3);
  });

  it('waits exactly as long as Retry-After asks on a 429', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 429, path: '/key', retryAfterSeconds: 7 });
    const start = sim.requests.length;
    await client({ clock, retry: { random: () => 0.99 } }).getKeyInfo();
    assert.deepEqual(clock.sleeps, [7_000]);
    assert.equal(requestsTo('/key', start), 2);
  });

  it('does not sit out a Retry-After longer than the cap, and tells the user when to come back', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 429, path: '/key', retryAfterSeconds: 600 });
    const start = sim.requests.length;
    const err = await rejection(client({ clock, retry: { maxRetryAfterMs: 30_000 } }).getKeyInfo());
    assert.equal(requestsTo('/key', start), 1);
    assert.deepEqual(clock.sleeps, []);
    assert.equal(err.retryAfterMs, 600_000);
    assert.match(err.userMessage, /Try again in 10 minutes/);
  });

  it('retries a 408 request timeout from OpenRouter', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 408, path: '/activity' });
    const start = sim.requests.length;
    await client({ clock, retry: { random: () => 0 } }).getActivity();
    assert.equal(requestsTo('/activity', start), 2);
  });

  it('retries a dropped connection on an idempotent GET', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'drop', path: '/models' });
    const start = sim.requests.length;
    const models = await client({ clock, retry: { random: () => 0 } }).listModels();
    assert.ok(models.length > 0);
    assert.equal(requestsTo('/models', start), 2);
  });

  it('never retries POST /chat/completions, whatever the failure', async () => {
    const clock = fakeClock();
    for (const fault of [{ kind: 'status', status: 503 }, { kind: 'drop' }] as const) {
      sim.injectFault({ ...fault, path: '/chat/completions', method: 'POST' });
      const start = sim.requests.length;
      await rejection(client({ clock, retry: { maxAttempts: 5 } }).chat(chatRequest));
      assert.equal(requestsTo('/chat/completions', start), 1, `${fault.kind} was not repeated`);
    }
    assert.deepEqual(clock.sleeps, []);
  });

  it('does not retry a 4xx that only the user can fix', async () => {
    const clock = fakeClock();
    sim.injectFault({ kind: 'status', status: 401, path: '/key', times: 3 });
    const start = sim.requests.length;
    await rejection(client({ clock }).getKeyInfo());
    assert.equal(requestsTo('/key', start), 1);
  });

  it('stops waiting to retry when the caller cancels', async () => {
    const controller = new AbortController();
    // The user cancels while the client is waiting between attempts.
    const clock: Clock = {
      now: () => 0,
      sleep: async (_ms, signal) => {
        controller.abort();
        signal?.throwIfAborted();
      },
    };
    sim.injectFault({ kind: 'status', status: 503, path: '/key' });
    const err = await rejection(client({ clock }).getKeyInfo({ signal: controller.signal }));
    assert.equal(err.kind, 'aborted');
  });
});

describe('failures the user sees', () => {
  it('times out a slow answer after timeoutMs instead of hanging', async () => {
    sim.injectFault({ kind: 'delay', ms: 3_000, path: '/key' });
    const started = Date.now();
    const err = await rejection(client({ timeoutMs: 150, clock: fakeClock() }).getKeyInfo());
    assert.equal(err.kind, 'timeout');
    assert.ok(Date.now() - started < 1_500, 'did not wait for the 3 s server');
    assert.match(err.userMessage, /did not answer within 1 second/);
  });

  it('reports a dropped connection as a network error when retries are off', async () => {
    sim.injectFault({ kind: 'drop', path: '/key' });
    const err = await rejection(client({ retry: { maxAttempts: 1 } }).getKeyInfo());
    assert.equal(err.kind, 'network');
    assert.match(err.userMessage, /Could not reach OpenRouter/);
  });

  it('reports a 200 with a broken JSON body as malformed, without retrying', async () => {
    sim.injectFault({ kind: 'malformed-json', path: '/key' });
    const start = sim.requests.length;
    const err = await rejection(client({ clock: fakeClock() }).getKeyInfo());
    assert.equal(err.kind, 'malformed');
    assert.equal(requestsTo('/key', start), 1);
  });

  it('tells out-of-credits, key limit and in-flight budget apart on a 402', async () => {
    const cases = [
      ['openrouter_credits', SETTINGS_URLS.credits, /does not have enough credits/],
      ['openrouter_key_limit', SETTINGS_URLS.keys, /reached its spending limit/],
      ['openrouter_in_flight_budget', SETTINGS_URLS.credits, /still running\. Try again in 2 seconds/],
    ] as const;
    for (const [limitSource, url, message] of cases) {
      sim.injectFault({ kind: 'status', status: 402, path: '/chat/completions', limitSource, retryAfterSeconds: 2 });
      const err = await rejection(client().chat(chatRequest));
      assert.equal(err.status, 402);
      assert.equal(err.metadata?.limitSource, limitSource);
      assert.equal(err.settingsUrl, url, limitSource);
      assert.match(err.userMessage, message);
    }
  });

  it('reports a real key limit hit by the simulator’s pre-flight check', async () => {
    const capped = sim.createKey({ name: 'tiny', limit: 0.000001 });
    const err = await rejection(
      new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => capped.key, transport }).chat({ ...chatRequest, model: 'openai/gpt-4o', maxTokens: 4000 }),
    );
    assert.equal(err.status, 402);
    assert.equal(err.settingsUrl, SETTINGS_URLS.keys);
  });

  it('reports a 429 with the rate-limit reset and the server’s reason', async () => {
    sim.injectFault({ kind: 'status', status: 429, path: '/generation', retryAfterSeconds: 20, times: 3 });
    const err = await rejection(client({ retry: { maxAttempts: 1 } }).getGeneration('gen-1-x'));
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, 20_000);
    assert.match(err.userMessage, /rate-limiting requests .*Try again in 20 seconds/);
  });

  it('reports 5xx errors as OpenRouter/provider trouble', async () => {
    sim.injectFault({ kind: 'status', status: 502, path: '/key' });
    const err = await rejection(client({ retry: { maxAttempts: 1 } }).getKeyInfo());
    assert.match(err.userMessage, /model provider \(OpenAI\) returned an error \(502\)/);
  });
});
