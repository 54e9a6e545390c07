import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatStreamEvents } from '../../src/openrouter/chatStream';
import { OpenRouterError, STREAM_TRUNCATED } from '../../src/openrouter/errors';
import { SseParser, type SseEvent } from '../../src/openrouter/sse';
import type { ChatStreamEvent } from '../../src/openrouter/types';

const utf8 = (text: string) => new TextEncoder().encode(text);

function parseInChunks(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return events;
}

/** Exercises every line-ending style, comments, multi-line data and multi-byte UTF-8 at once. */
const TRANSCRIPT =
  ': OPENROUTER PROCESSING\r\n\r\n' +
  'data: {"text":"héllo"}\r\n\r\n' +
  '\r\n\n' + // stray blank lines dispatch nothing
  'data: {"text":\r\n' + // a CRLF inside one event: splitting it must not end the event
  'data: "世界 🚀"}\n\n' +
  ': OPENROUTER PROCESSING\r\r' +
  'event: custom\rdata:no-space\r\r' +
  'id: 7\ndata: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"text":"héllo"}', id: null },
  { event: 'message', data: '{"text":\n"世界 🚀"}', id: null },
  { event: 'custom', data: 'no-space', id: null },
  { event: 'message', data: '[DONE]', id: '7' },
];

describe('SSE parser', () => {
  it('reads comments, CRLF/CR/LF endings, multi-line data and extra blank lines into the right events', () => {
    assert.deepEqual(parseInChunks(utf8(TRANSCRIPT), []), EXPECTED);
  });

  it('gives the same events for a split at every byte position (inside \\r\\n and inside UTF-8 characters)', () => {
    const bytes = utf8(TRANSCRIPT);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(parseInChunks(bytes, [cut]), EXPECTED, `split at byte ${cut}`);
    }
  });

  it('gives the same events when fed one byte at a time', () => {
    const bytes = utf8(TRANSCRIPT);
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(parseInChunks(bytes, cuts), EXPECTED);
  });

  it('does not treat a \\r ending one chunk and a \\n starting the next as two line breaks', () => {
    const parser = new SseParser();
    const events = [...parser.push(utf8('data: a\r')), ...parser.push(utf8('\ndata: b\r')), ...parser.push(utf8('\n\r\n'))];
    assert.deepEqual(events.map((e) => e.data), ['a\nb']);
  });

  it('delivers a last event the server closed without a blank line after it', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(utf8('data: [DONE]')), []);
    assert.deepEqual(parser.end().map((e) => e.data), ['[DONE]']);
  });

  it('keeps a split multi-byte character intact instead of producing replacement characters', () => {
    const bytes = utf8('data: 🚀\n\n');
    const parser = new SseParser();
    const events = [...parser.push(bytes.subarray(0, 8)), ...parser.push(bytes.subarray(8))];
    assert.equal(events[0]?.data, '🚀');
  });
});

function streamOf(text: string, chunkSize = 7): ReadableStreamDefaultReader<Uint8Array> {
  const bytes = utf8(text);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
      controller.close();
    },
  }).getReader();
}

async function collect(text: string, headerGenerationId: string | null = null): Promise<{ events: ChatStreamEvent[]; error: unknown }> {
  const events: ChatStreamEvent[] = [];
  try {
    for await (const event of chatStreamEvents(streamOf(text), { endpoint: 'POST /chat/completions', headerGenerationId, keyKind: 'inference' })) {
      events.push(event);
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const base = '"id":"gen-1769532074-AbCdEfGhIjKlMnOpQrSt","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk"';
const roleChunk = `data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`;
const contentChunk = (text: string) => `data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":${JSON.stringify(text)}},"finish_reason":null}]}\n\n`;
const finishChunk = `data: {${base},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop","native_finish_reason":"stop"}]}\n\n`;
const usage = '"usage":{"prompt_tokens":15,"completion_tokens":10,"total_tokens":25,"cost":0.0000082,"is_byok":false,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2},"cost_details":{"upstream_inference_cost":null}}';
const usageEmptyChoices = `data: {${base},"choices":[],${usage}}\n\n`;
const usageOneEmptyChoice = `data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],${usage}}\n\n`;
const done = 'data: [DONE]\n\n';

const EXPECTED_USAGE = {
  promptTokens: 15,
  completionTokens: 10,
  totalTokens: 25,
  reasoningTokens: 2,
  cachedTokens: 3,
  cacheWriteTokens: null,
  cost: 0.0000082,
  isByok: false,
  upstreamInferenceCost: null,
};

describe('chat stream events', () => {
  for (const [variant, usageChunk] of [['choices: []', usageEmptyChoices], ['one empty choice', usageOneEmptyChoice]] as const) {
    it(`reads a complete stream whose usage chunk has ${variant}`, async () => {
      const { events, error } = await collect(': OPENROUTER PROCESSING\n\n' + roleChunk + contentChunk('Hel') + ': OPENROUTER PROCESSING\n\n' + contentChunk('lo') + finishChunk + usageChunk + done);
      assert.equal(error, undefined);
      assert.deepEqual(events, [
        { type: 'meta', id: 'gen-1769532074-AbCdEfGhIjKlMnOpQrSt', model: 'openai/gpt-4o-mini', provider: 'OpenAI' },
        { type: 'delta', content: 'Hel' },
        { type: 'delta', content: 'lo' },
        { type: 'finish', finishReason: 'stop', nativeFinishReason: 'stop' },
        { type: 'usage', usage: EXPECTED_USAGE },
      ]);
    });
  }

  it('reports a mid-stream error at HTTP 200 with a numeric code and ends the stream', async () => {
    const errorChunk = `data: {${base},"error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}\n\n`;
    const { events, error } = await collect(roleChunk + contentChunk('Hi') + errorChunk);
    assert.equal(error, undefined);
    assert.deepEqual(events.slice(1), [
      { type: 'delta', content: 'Hi' },
      { type: 'error', code: 429, message: 'Rate limit exceeded', errorType: 'rate_limit_exceeded' },
    ]);
  });

  it('reports a mid-stream error whose code is a string', async () => {
    const errorChunk = `data: {${base},"error":{"code":"server_error","message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}\n\n`;
    const { events } = await collect(roleChunk + errorChunk);
    assert.deepEqual(events.at(-1), { type: 'error', code: 'server_error', message: 'Provider disconnected', errorType: null });
  });

  it('never lets a key echoed in a mid-stream error message through', async () => {
    const key = 'sk-or-v1-' + 'a1b2c3d4'.repeat(8);
    const errorChunk = `data: {${base},"error":{"code":401,"message":"Bad key ${key}"},"choices":[]}\n\n`;
    const { events } = await collect(roleChunk + errorChunk);
    const last = events.at(-1);
    assert.equal(last?.type, 'error');
    assert.ok(last?.type === 'error' && !last.message.includes(key) && last.message.includes('sk-or-v1-a1b…'));
  });

  it('throws a truncated-stream error after the partial content when the stream ends without [DONE]', async () => {
    const { events, error } = await collect(roleChunk + contentChunk('partial'));
    assert.deepEqual(events.slice(1), [{ type: 'delta', content: 'partial' }]);
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.kind, 'network');
    assert.equal(error.code, STREAM_TRUNCATED);
    assert.match(error.userMessage, /closed before the reply was complete/);
  });

  it('treats an event cut off in the middle of its JSON as a truncated stream', async () => {
    const { error } = await collect(roleChunk + 'data: {"id":"gen-1","choi');
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.code, STREAM_TRUNCATED);
  });

  it('rejects a complete event that is not JSON as malformed', async () => {
    const { error } = await collect(roleChunk + 'data: <html>oops</html>\n\n' + done);
    assert.ok(error instanceof OpenRouterError);
    assert.equal(error.kind, 'malformed');
  });

  it('announces model and provider from the first chunk even when the id came from the header', async () => {
    const { events } = await collect(roleChunk + finishChunk + usageEmptyChoices + done, 'gen-1769532074-AbCdEfGhIjKlMnOpQrSt');
    assert.deepEqual(events[0], { type: 'meta', id: 'gen-1769532074-AbCdEfGhIjKlMnOpQrSt', model: 'openai/gpt-4o-mini', provider: 'OpenAI' });
  });

  it('passes reasoning deltas along with (empty) content', async () => {
    const reasoningChunk = `data: {${base},"choices":[{"index":0,"delta":{"content":"","reasoning":"thinking…"},"finish_reason":null}]}\n\n`;
    const { events } = await collect(roleChunk + reasoningChunk + finishChunk + done);
    assert.deepEqual(events[1], { type: 'delta', content: '', reasoning: 'thinking…' });
  });
});

describe('a choice that ends with finish_reason "error"', () => {
  it('is an error event even without an error object, so the reply is never recorded as a success', async () => {
    const failed = `data: {${base},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}\n\n`;
    const { events, error } = await collect(roleChunk + contentChunk('Hel') + failed);
    assert.equal(error, undefined);
    const last = events.at(-1);
    assert.equal(last?.type, 'error');
    assert.ok(!events.some((e) => e.type === 'finish' && e.finishReason === 'error'), 'not a plain finish');
  });
});
