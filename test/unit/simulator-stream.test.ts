/**
 * The simulator's SSE dialect and its fault injection, over real HTTP: keep-alive comments,
 * both final-usage-chunk variants, [DONE], client aborts billed as cancelled, and every fault kind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Simulator, startSimulator } from '../simulator';

let sim: Simulator;

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
});
after(() => sim.close());

const PROMPT = [{ role: 'user', content: 'Stream a short answer [[tokens:9]]' }];

function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(sim.baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.inferenceKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

function streamChat(extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return post('/chat/completions', { model: 'openai/gpt-4o-mini', stream: true, messages: PROMPT, ...extra }, signal);
}

/** Splits an SSE transcript into events: comments and (multi-line joined) data payloads. */
function parseSse(text: string): Array<{ comment?: string; data?: string }> {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      if (lines.every((l) => l.startsWith(':'))) return { comment: lines.join('\n') };
      return { data: lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n') };
    });
}

function chunks(events: Array<{ data?: string }>): any[] { // parsed JSON chunks of any shape
  return events.filter((e) => e.data !== undefined && e.data !== '[DONE]').map((e) => JSON.parse(e.data as string));
}

describe('SSE transcript', () => {
  test('has a leading and a mid-stream keep-alive comment, role, content, finish and usage chunks, then [DONE]', async () => {
    const res = await streamChat();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const id = res.headers.get('x-generation-id');
    const events = parseSse(await res.text());
    assert.equal(events[0].comment, ': OPENROUTER PROCESSING');
    const firstData = events.findIndex((e) => e.data !== undefined);
    assert.ok(events.slice(firstData).some((e) => e.comment !== undefined), 'comment between chunks');
    assert.equal(events[events.length - 1].data, '[DONE]');
    const parsed = chunks(events);
    assert.ok(parsed.every((c) => c.id === id && c.object === 'chat.completion.chunk'));
    assert.equal(parsed[0].choices[0].delta.role, 'assistant');
    const text = parsed.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text.split(' ').length, 9);
    const finish = parsed[parsed.length - 2];
    assert.equal(finish.choices[0].finish_reason, 'stop');
    const usageChunk = parsed[parsed.length - 1];
    assert.deepEqual(usageChunk.choices, []);
    assert.equal(usageChunk.usage.completion_tokens, 9);
    const gen = sim.generations().find((g) => g.id === id);
    assert.equal(gen?.cost, usageChunk.usage.cost);
    assert.equal(gen?.streamed, true);
  });

  test('the one-empty-choice usage variant, CRLF line endings and multi-line data events are all valid SSE', async () => {
    sim.configure({ usageChunkVariant: 'one-empty-choice', lineEnding: '\r\n', multiLineData: true });
    try {
      const raw = await (await streamChat()).text();
      assert.ok(raw.includes('\r\n\r\n'));
      const events = parseSse(raw);
      assert.ok(events.some((e) => e.data?.includes('\n')), 'a data payload spans several lines');
      const usageChunk = chunks(events).find((c) => c.usage);
      assert.equal(usageChunk.choices.length, 1);
      assert.deepEqual(usageChunk.choices[0].delta, { role: 'assistant', content: '' });
      assert.equal(usageChunk.choices[0].finish_reason, null);
      assert.equal(events[events.length - 1].data, '[DONE]');
    } finally {
      sim.configure({ usageChunkVariant: 'empty-choices', lineEnding: '\n', multiLineData: false });
    }
  });

  test('a client abort mid-stream records a cancelled generation billed for the tokens sent', async () => {
    sim.configure({ streamChunkDelayMs: 15 });
    const usageBefore = sim.accountState().totalUsage;
    const abort = new AbortController();
    try {
      const res = await streamChat({ messages: [{ role: 'user', content: 'a long one [[tokens:200]]' }] }, abort.signal);
      const id = res.headers.get('x-generation-id');
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let seen = '';
      while (!seen.includes('"content":"You said: "')) seen += new TextDecoder().decode((await reader.read()).value);
      abort.abort();
      await reader.read().catch(() => undefined);
      let gen = sim.generations().find((g) => g.id === id);
      for (let i = 0; !gen && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 10));
        gen = sim.generations().find((g) => g.id === id);
      }
      assert.ok(gen, 'generation recorded');
      assert.equal(gen.cancelled, true);
      assert.ok(gen.completionTokens > 0 && gen.completionTokens < 200, `billed ${gen.completionTokens} tokens sent`);
      assert.ok(gen.cost > 0);
      assert.equal(sim.accountState().totalUsage, usageBefore + gen.cost);
    } finally {
      sim.configure({ streamChunkDelayMs: 1 });
    }
  });
});

describe('faults', () => {
  test('a 429 carries X-RateLimit-* (epoch ms), Retry-After and metadata.headers, once', async () => {
    const reset = Date.now() + 5000;
    sim.injectFault({ kind: 'status', status: 429, path: '/key', retryAfterSeconds: 2, rateLimitResetMs: reset });
    const headers = { authorization: `Bearer ${sim.inferenceKey}` };
    const res = await fetch(sim.baseUrl + '/key', { headers });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.equal(res.headers.get('x-ratelimit-reset'), String(reset));
    assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
    const body = await res.json();
    assert.equal(body.error.code, 429);
    assert.equal(body.error.metadata.headers['X-RateLimit-Reset'], String(reset));
    assert.equal((await fetch(sim.baseUrl + '/key', { headers })).status, 200, 'fault consumed');
  });

  test('a status fault only hits its method and path, `times` times', async () => {
    sim.injectFault({ kind: 'status', status: 503, path: '/models', method: 'GET', times: 2 });
    assert.equal((await fetch(sim.baseUrl + '/key', { headers: { authorization: `Bearer ${sim.inferenceKey}` } })).status, 200);
    const first = await fetch(sim.baseUrl + '/models');
    assert.equal(first.status, 503);
    assert.ok(first.headers.get('retry-after'));
    assert.equal((await fetch(sim.baseUrl + '/models')).status, 503);
    assert.equal((await fetch(sim.baseUrl + '/models')).status, 200);
  });

  test('a 402 fault with limit_source carries remedy_hint; the in-flight variant adds Retry-After', async () => {
    sim.injectFault({ kind: 'status', status: 402, path: '/chat/completions', limitSource: 'openrouter_in_flight_budget' });
    const res = await post('/chat/completions', { model: 'openai/gpt-4o-mini', messages: PROMPT });
    assert.equal(res.status, 402);
    assert.ok(res.headers.get('retry-after'));
    const body = await res.json();
    assert.equal(body.error.metadata.limit_source, 'openrouter_in_flight_budget');
    assert.equal(body.error.metadata.reason, 'in_flight_budget_exhausted');
    assert.equal(typeof body.error.metadata.remedy_hint, 'string');
  });

  test('a delay fault holds the answer back', async () => {
    sim.injectFault({ kind: 'delay', ms: 120, path: '/models' });
    const started = Date.now();
    assert.equal((await fetch(sim.baseUrl + '/models')).status, 200);
    assert.ok(Date.now() - started >= 110);
  });

  test('a drop fault closes the socket without an answer', async () => {
    sim.injectFault({ kind: 'drop', path: '/models' });
    await assert.rejects(fetch(sim.baseUrl + '/models'));
  });

  test('a malformed-json fault answers 200 with a body that does not parse', async () => {
    sim.injectFault({ kind: 'malformed-json', path: '/key' });
    const res = await fetch(sim.baseUrl + '/key', { headers: { authorization: `Bearer ${sim.inferenceKey}` } });
    assert.equal(res.status, 200);
    await assert.rejects(res.json());
  });

  test('truncate-stream cuts the connection after N content chunks with no [DONE]', async () => {
    sim.injectFault({ kind: 'truncate-stream', afterChunks: 2 });
    const res = await streamChat();
    const id = res.headers.get('x-generation-id');
    let text = '';
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      throw new Error('stream ended cleanly');
    });
    assert.ok(!text.includes('[DONE]'));
    assert.equal(chunks(parseSse(text)).length, 3, 'role chunk + 2 content chunks');
    assert.equal(sim.generations().find((g) => g.id === id)?.completionTokens, 4);
  });

  test('mid-stream-error sends an error event at HTTP 200 with finish_reason "error" and ends', async () => {
    sim.injectFault({ kind: 'mid-stream-error', afterChunks: 1, code: 'server_error', message: 'Upstream hiccup' });
    const res = await streamChat();
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes('[DONE]'));
    const last = chunks(parseSse(text)).pop();
    assert.equal(last.error.code, 'server_error');
    assert.equal(last.error.message, 'Upstream hiccup');
    assert.equal(last.choices[0].finish_reason, 'error');
  });

  test('clearFaults removes pending faults', async () => {
    sim.injectFault({ kind: 'status', status: 500, path: '/models', times: 5 });
    sim.clearFaults();
    assert.equal((await fetch(sim.baseUrl + '/models')).status, 200);
  });
});
