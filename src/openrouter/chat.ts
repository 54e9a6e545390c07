/**
 * `/chat/completions` shapes: the request body we send, the non-streaming result, and the
 * chunk-by-chunk reading of a stream into ChatStreamEvents. Pure (no I/O); the transport side
 * lives in client.ts and chatStream.ts.
 */
import { scrubSecrets } from '../keys/mask';
import { asObject, bool, int, isObject, num, str, type JsonObject } from './parse';
import type { ChatCompletion, ChatRequest, ChatStreamEvent, ChatUsage } from './types';

export function chatRequestBody(req: ChatRequest, stream: boolean): JsonObject {
  const body: JsonObject = {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    stream,
  };
  if (req.models && req.models.length > 0) body.models = req.models;
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.user !== undefined) body.user = req.user;
  if (req.sessionId !== undefined) body.session_id = req.sessionId;
  if (req.maxPrice) {
    const maxPrice: JsonObject = {};
    for (const key of ['prompt', 'completion', 'request'] as const) {
      const value = req.maxPrice[key];
      if (value !== undefined) maxPrice[key] = priceString(value);
    }
    body.provider = { max_price: maxPrice };
  }
  return body;
}

/**
 * `provider.max_price` values are decimal strings in OpenRouter's spec (`ProviderPreferences`).
 * Plain notation, never an exponent ("0.0000001", not "1e-7"); at most nine decimals, rounded
 * down so a cap is never loosened. A negative or non-finite cap means "nothing allowed": "0".
 */
export function priceString(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return '0';
  if (value >= 1e9) return BigInt(Math.floor(value)).toString();
  const nanos = Math.floor(value * 1e9 + 1e-6);
  const whole = Math.floor(nanos / 1e9);
  const fraction = String(nanos - whole * 1e9).padStart(9, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export function readChatUsage(raw: unknown): ChatUsage | null {
  const u = asObject(raw);
  if (!u) return null;
  const promptTokens = int(u.prompt_tokens) ?? 0;
  const completionTokens = int(u.completion_tokens) ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: int(u.total_tokens) ?? promptTokens + completionTokens,
    reasoningTokens: int(asObject(u.completion_tokens_details)?.reasoning_tokens),
    cachedTokens: int(asObject(u.prompt_tokens_details)?.cached_tokens),
    cacheWriteTokens: int(asObject(u.prompt_tokens_details)?.cache_write_tokens),
    cost: num(u.cost),
    isByok: bool(u.is_byok),
    upstreamInferenceCost: num(asObject(u.cost_details)?.upstream_inference_cost),
  };
}

type ErrorEvent = Extract<ChatStreamEvent, { type: 'error' }>;

/** `{code, message, metadata:{error_type}}` (code number or string) → the error event shape. */
export function readInlineError(raw: unknown): Omit<ErrorEvent, 'type'> | null {
  const e = asObject(raw);
  if (!e) return null;
  return {
    code: int(e.code) ?? str(e.code),
    message: scrubSecrets(str(e.message) ?? 'OpenRouter reported an error without a message'),
    errorType: str(asObject(e.metadata)?.error_type) ?? str(e.error_type),
  };
}

/** `finish_reason: "error"` with no error object still means the reply failed (never a success). */
function finishedWithError(choice: JsonObject | null): Omit<ErrorEvent, 'type'> | null {
  return str(choice?.finish_reason) === 'error'
    ? { code: null, message: 'OpenRouter ended the reply with finish_reason "error" and gave no details', errorType: null }
    : null;
}

/** Message content as text: a string, or the text parts of a content array. */
function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value
    .filter(isObject)
    .map((part) => str(part.text) ?? '')
    .join('');
}

function firstChoice(body: JsonObject): JsonObject | null {
  if (!Array.isArray(body.choices)) return null;
  const choices = body.choices.filter(isObject);
  return choices.find((c) => int(c.index) === 0) ?? choices[0] ?? null;
}

/**
 * A non-streaming result, or `null` when the body is not a completion at all. A 200 that carries
 * an error (in the choice, or a bare `{error}` body) is a completion with `error` set.
 */
export function readChatCompletion(raw: unknown, headerGenerationId: string | null): ChatCompletion | null {
  const body = asObject(raw);
  if (!body) return null;
  const choice = firstChoice(body);
  const error = readInlineError(choice?.error) ?? readInlineError(body.error) ?? finishedWithError(choice);
  if (!choice && !error) return null;
  const message = asObject(choice?.message);
  return {
    id: str(body.id) ?? headerGenerationId ?? '',
    model: str(body.model) ?? '',
    provider: str(body.provider),
    content: contentText(message?.content),
    finishReason: str(choice?.finish_reason),
    usage: readChatUsage(body.usage),
    error,
  };
}

/** Turns parsed stream chunks into events; remembers what was already announced. */
export class ChatChunkReader {
  private chunkMetaSent = false;
  private finishSent = false;
  private errored = false;

  constructor(private readonly headerGenerationId: string | null) {}

  /** An error event was produced; OpenRouter ends the stream after it. */
  get sawError(): boolean {
    return this.errored;
  }

  read(chunk: JsonObject): ChatStreamEvent[] {
    const events: ChatStreamEvent[] = [];
    this.readMeta(chunk, events);
    const choice = firstChoice(chunk);
    const delta = asObject(choice?.delta);
    const content = str(delta?.content) ?? '';
    const reasoning = str(delta?.reasoning) ?? '';
    if (content !== '' || reasoning !== '') {
      events.push(reasoning !== '' ? { type: 'delta', content, reasoning } : { type: 'delta', content });
    }
    const usage = readChatUsage(chunk.usage);
    const error = readInlineError(chunk.error) ?? readInlineError(choice?.error) ?? finishedWithError(choice);
    const finishReason = str(choice?.finish_reason);
    if (finishReason !== null && !this.finishSent && !error) {
      this.finishSent = true;
      events.push({ type: 'finish', finishReason, nativeFinishReason: str(choice?.native_finish_reason) });
    }
    if (usage) events.push({ type: 'usage', usage });
    if (error) {
      this.errored = true;
      events.push({ type: 'error', ...error });
    }
    return events;
  }

  private readMeta(chunk: JsonObject, events: ChatStreamEvent[]): void {
    if (this.chunkMetaSent) return;
    this.chunkMetaSent = true;
    const id = str(chunk.id) ?? this.headerGenerationId ?? '';
    const model = str(chunk.model);
    const provider = str(chunk.provider);
    const adds = this.headerGenerationId === null || id !== this.headerGenerationId || model !== null || provider !== null;
    if (adds) events.push({ type: 'meta', id, model, provider });
  }
}
