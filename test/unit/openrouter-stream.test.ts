/** Streaming chat completions end to end: simulator SSE → real undici → client events. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OpenRouterClient } from '../../src/openrouter/client';
import { OpenRouterError, STREAM_TRUNCATED } from '../../src/openrouter/errors';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { ChatRequest, ChatStreamEvent } from '../../src/openrouter/types';
import { startSimulator, type Simulator } from '../simulator';

let sim: Simulator;
let transport: ClosableTransport;

const request: ChatRequest = {
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: 'Write a short line about keeping a ledger of every cent you spend' }],
  maxTokens: 200,
};

function client(timeoutMs = 3_000): OpenRouterClient {
  return new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => sim.inferenceKey, transport, timeoutMs });
}

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<{ events: ChatStreamEvent[]; error: unknown }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const text = (events: ChatStreamEvent[]) => events.map((e) => (e.type === 'delta' ? e.content : '')).join('');
const waitFor = async (condition: () => boolean, ms = 2_000) => {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return condition();
};

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
  transport = undiciTransport();
});

after(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.configure({ streamChunkDelayMs: 1, usageChunkVariant: 'empty-choices', lineEnding: '\n', multiLineData: false, keepAliveComments: true });
});

describe('streamed chat completions', () => {
  it('announces the generation id from the header first, then streams the same text a non-streamed call returns', async () => {
    const { events, error } = await collect(client().streamChat(request));
    assert.equal(error, undefined);
    const [headerMeta, chunkMeta] = events;
    assert.equal(headerMeta.type, 'meta');
    assert.ok(headerMeta.type === 'meta' && headerMeta.id.startsWith('gen-') && headerMeta.model === null);
    assert.deepEqual(chunkMeta, { type: 'meta', id: headerMeta.id, model: 'openai/gpt-4o-mini', provider: 'OpenAI' });
    const sent = sim.requests.at(-1);
    assert.equal((sent?.body as { stream?: unknown }).stream, true);
    assert.equal(sent?.headers.accept, 'text/event-stream');
    const whole = await client().chat(request);
    assert.ok(text(events).length > 0);
    assert.equal(text(events), whole.content);
  });

  for (const variant of ['empty-choices', 'one-empty-choice'] as const) {
    it(`reports finish and the billed usage once, with the ${variant} usage chunk`, async () => {
      sim.configure({ usageChunkVariant: variant });
      const { events, error } = await collect(client().streamChat(request));
      assert.equal(error, undefined);
      const finishes = events.filter((e) => e.type === 'finish');
      const usages = events.filter((e) => e.type === 'usage');
      assert.equal(finishes.length, 1);
      assert.equal(usages.length, 1);
      assert.equal(events.at(-1)?.type, 'usage');
      const id = events[0].type === 'meta' ? events[0].id : '';
      const billed = sim.generations().find((g) => g.id === id);
      assert.ok(usages[0].type === 'usage' && billed && usages[0].usage.cost === billed.cost);
      assert.ok(usages[0].type === 'usage' && usages[0].usage.completionTokens === billed.completionTokens);
    });
  }

  it('reads CRLF line endings and multi-line data events the same way', async () => {
    const plain = await collect(client().streamChat(request));
    sim.configure({ lineEnding: '\r\n', multiLineData: true });
    const crlf = await collect(client().streamChat(request));
    assert.equal(crlf.error, undefined);
    assert.equal(text(crlf.events), text(plain.events));
    assert.equal(crlf.events.filter((e) => e.type === 'usage').length, 1);
  });

  it('ends with an error event when the provider fails mid-stream at HTTP 200 (numeric and string codes)', async () => {
    for (const code of [502, 'server_error'] as const) {
      sim.injectFault({ kind: 'mid-stream-error', afterChunks: 2, code, message: 'Provider disconnected', errorType: 'provider_unavailable' });
      const { events, error } = await collect(client().streamChat(request));
      assert.equal(error, undefined);
      assert.ok(text(events).length > 0, 'partial text arrived first');
      assert.deepEqual(events.at(-1), { type: 'error', code, message: 'Provider disconnected', errorType: 'provider_unavailable' });
    }
  });

  it('throws a truncated-stream error (after the partial text) when the connection is cut before [DONE]', async () => {
    sim.injectFault({ kind: 'truncate-stream', afterChunks: 2 });
    const { events, error } = await collect(client().streamChat(request));
    assert.ok(text(events).length > 0);
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.kind, 'network');
    assert.equal(error.code, STREAM_TRUNCATED);
    assert.match(error.userMessage, /closed before the reply was complete/);
  });

  it('throws the HTTP error before any event when OpenRouter refuses up front', async () => {
    sim.injectFault({ kind: 'status', status: 402, path: '/chat/completions', limitSource: 'openrouter_credits' });
    const { events, error } = await collect(client().streamChat(request));
    assert.deepEqual(events, []);
    assert.ok(error instanceof OpenRouterError && error.status === 402);
  });

  it('stops with a timeout when the stream goes silent for longer than timeoutMs', async () => {
    sim.configure({ streamChunkDelayMs: 400, keepAliveComments: false });
    const { error } = await collect(client(120).streamChat(request));
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.kind, 'timeout');
  });

  it('does not time out while the consumer itself is busy between events', async () => {
    let paused = false;
    const events: ChatStreamEvent[] = [];
    for await (const event of client(150).streamChat(request)) {
      events.push(event);
      if (event.type === 'delta' && !paused) {
        paused = true;
        await new Promise((r) => setTimeout(r, 400));
      }
    }
    assert.equal(events.filter((e) => e.type === 'usage').length, 1);
  });

  it('cancels on abort: the error says cancelled and OpenRouter records the generation as cancelled', async () => {
    sim.configure({ streamChunkDelayMs: 20 });
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of client().streamChat(request, { signal: controller.signal })) {
        events.push(event);
        if (event.type === 'delta') controller.abort();
      }
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.kind, 'aborted');
    const id = events[0].type === 'meta' ? events[0].id : '';
    assert.ok(await waitFor(() => sim.generations().some((g) => g.id === id && g.cancelled)), 'simulator saw the client go away');
  });

  it('closes the connection when the consumer stops reading early', async () => {
    sim.configure({ streamChunkDelayMs: 20 });
    let id = '';
    for await (const event of client().streamChat(request)) {
      if (event.type === 'meta') id = event.id;
      if (event.type === 'delta') break;
    }
    assert.ok(await waitFor(() => sim.generations().some((g) => g.id === id && g.cancelled)));
  });
});
