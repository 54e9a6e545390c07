/**
 * Typed OpenRouter client. Every method names the key it uses; a missing key is an
 * OpenRouterError ('missing-key') whose message names the command that sets it. Idempotent GETs
 * retry transient failures; POST /chat/completions never does (a repeat could bill twice).
 */
import { silentLogger, tagged, type Logger } from '../util/logger';
import { chatRequestBody, readChatCompletion } from './chat';
import { chatStreamEvents } from './chatStream';
import { OpenRouterError, STREAM_TRUNCATED, errorFromResponse, rootCause, truncatedStreamError } from './errors';
import {
  readActivity,
  readApiKey,
  readApiKeyList,
  readCredits,
  readGeneration,
  readKeyInfo,
  readModels,
} from './normalize';
import { asObject, str } from './parse';
import { readAnalyticsAnswer, readAnalyticsMeta, type AnalyticsAnswer, type AnalyticsMeta, type AnalyticsQueryBody } from './analytics';
import { normalizeBaseUrl } from './baseUrl';
import { RequestRunner, endpointName, type RequestSpec } from './request';
import { resolveRetryOptions, systemClock, type Clock, type RetryOptions } from './retry';
import type { ByteReader, Transport } from './transport';
import type {
  ActivityQuery,
  ActivityRow,
  ApiKeyRecord,
  ChatCompletion,
  ChatRequest,
  ChatStreamEvent,
  CreateKeyRequest,
  Credits,
  Generation,
  KeyInfo,
  KeyKind,
  ModelInfo,
  UpdateKeyRequest,
} from './types';

export interface OpenRouterClientOptions {
  /** Default https://openrouter.ai/api/v1; a trailing slash is fine. */
  baseUrl?: string;
  getKey: (kind: KeyKind) => Promise<string | undefined>;
  transport: Transport;
  /** Deadline per attempt for account endpoints; for streams, time to headers and the longest silence. Default 15 s. */
  timeoutMs?: number;
  /** Deadline for a non-streaming chat completion. Default 120 s. */
  chatTimeoutMs?: number;
  retry?: RetryOptions;
  logger?: Logger;
  clock?: Clock;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** OpenRouter's documented page size for GET /keys. */
const KEYS_PAGE_SIZE = 100;

export class OpenRouterClient {
  private readonly runner: RequestRunner;
  private readonly getKeyFn: OpenRouterClientOptions['getKey'];
  private readonly timeoutMs: number;
  private readonly chatTimeoutMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(options: OpenRouterClientOptions) {
    this.getKeyFn = options.getKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.chatTimeoutMs = options.chatTimeoutMs ?? 120_000;
    this.clock = options.clock ?? systemClock;
    this.logger = tagged(options.logger ?? silentLogger, 'openrouter');
    this.runner = new RequestRunner(normalizeBaseUrl(options.baseUrl).url, options.transport, resolveRetryOptions(options.retry), this.clock, this.logger);
  }

  /**
   * GET /key — limits and spend of a key. Uses `keyOverride` when given (to test a key before
   * storing it), else the key of `kind`, else the API key falling back to the management key.
   */
  async getKeyInfo(options: CallOptions & { keyOverride?: string; kind?: KeyKind } = {}): Promise<KeyInfo> {
    const spec: Pick<RequestSpec, 'method' | 'path'> = { method: 'GET', path: '/key' };
    const { key, kind } = options.keyOverride
      ? { key: options.keyOverride, kind: options.kind ?? 'inference' }
      : options.kind
        ? await this.requireKey(spec, options.kind)
        : await this.firstKey(spec, ['inference', 'management']);
    return this.getData(readKeyInfo, { ...spec, key, keyKind: kind, signal: options.signal });
  }

  /** GET /credits — management key if set (documented requirement), else the API key (often accepted). */
  async getCredits(options: CallOptions = {}): Promise<Credits> {
    const spec = { method: 'GET', path: '/credits' } as const;
    const { key, kind } = await this.firstKey(spec, ['management', 'inference']);
    return this.getData(readCredits, { ...spec, key, keyKind: kind, signal: options.signal });
  }

  /** GET /activity — management key. Last 30 completed UTC days, one row per (date, model, endpoint). */
  async getActivity(query: ActivityQuery = {}, options: CallOptions = {}): Promise<ActivityRow[]> {
    const spec = { method: 'GET', path: '/activity' } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    return this.getData(readActivity, {
      ...spec,
      query: { date: query.date, api_key_hash: query.apiKeyHash, user_id: query.userId, group_by: query.groupBy, workspace_id: query.workspaceId },
      key,
      keyKind: kind,
      signal: options.signal,
    });
  }

  /**
   * GET /keys — management key. Pages by `offset` until a short or empty page; stops after
   * `maxPages` (default 50, i.e. 5000 keys) or when a page repeats keys already seen.
   */
  async listApiKeys(options: CallOptions & { includeDisabled?: boolean; workspaceId?: string; maxPages?: number } = {}): Promise<ApiKeyRecord[]> {
    const spec = { method: 'GET', path: '/keys' } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    const maxPages = options.maxPages ?? 50;
    const byHash = new Map<string, ApiKeyRecord>();
    for (let page = 0; page < maxPages; page++) {
      const rows = await this.getData(readApiKeyList, {
        ...spec,
        query: { offset: page * KEYS_PAGE_SIZE, include_disabled: options.includeDisabled ? 'true' : undefined, workspace_id: options.workspaceId },
        key,
        keyKind: kind,
        signal: options.signal,
      });
      const before = byHash.size;
      for (const row of rows) byHash.set(row.hash, row);
      if (rows.length < KEYS_PAGE_SIZE || byHash.size === before) return [...byHash.values()];
    }
    this.logger.warn(`GET /keys stopped after ${maxPages} pages (${byHash.size} keys); later keys are not listed`);
    return [...byHash.values()];
  }

  /** GET /keys/{hash} — management key. */
  async getApiKey(hash: string, options: CallOptions = {}): Promise<ApiKeyRecord> {
    const spec = { method: 'GET', path: `/keys/${encodeURIComponent(hash)}` } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    return this.getData(readApiKey, { ...spec, key, keyKind: kind, signal: options.signal });
  }

  /** POST /keys — management key. `key` is the new secret, returned only this once: store it, never log it. */
  async createApiKey(request: CreateKeyRequest, options: CallOptions = {}): Promise<{ record: ApiKeyRecord; key: string }> {
    const spec = { method: 'POST', path: '/keys' } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    const body: Record<string, unknown> = { name: request.name };
    if (request.limit !== undefined) body.limit = request.limit;
    if (request.limitReset !== undefined) body.limit_reset = request.limitReset;
    if (request.includeByokInLimit !== undefined) body.include_byok_in_limit = request.includeByokInLimit;
    if (request.expiresAt !== undefined) body.expires_at = request.expiresAt;
    if (request.workspaceId !== undefined) body.workspace_id = request.workspaceId;
    const { json } = await this.runner.json({ ...spec, body, key, keyKind: kind, retry: false, timeoutMs: this.timeoutMs, signal: options.signal });
    const record = readApiKey(asObject(json)?.data);
    const secret = str(asObject(json)?.key);
    if (!record || !secret) throw this.malformed(spec, 'expected {data: key object, key: string}', kind);
    return { record, key: secret };
  }

  /** PATCH /keys/{hash} — management key. */
  async updateApiKey(hash: string, update: UpdateKeyRequest, options: CallOptions = {}): Promise<ApiKeyRecord> {
    const spec = { method: 'PATCH', path: `/keys/${encodeURIComponent(hash)}` } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    const body: Record<string, unknown> = {};
    if (update.name !== undefined) body.name = update.name;
    if (update.disabled !== undefined) body.disabled = update.disabled;
    if (update.limit !== undefined) body.limit = update.limit;
    if (update.limitReset !== undefined) body.limit_reset = update.limitReset;
    if (update.includeByokInLimit !== undefined) body.include_byok_in_limit = update.includeByokInLimit;
    return this.getData(readApiKey, { ...spec, body, key, keyKind: kind, signal: options.signal });
  }

  /** DELETE /keys/{hash} — management key. */
  async deleteApiKey(hash: string, options: CallOptions = {}): Promise<void> {
    const spec = { method: 'DELETE', path: `/keys/${encodeURIComponent(hash)}` } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    await this.runner.json({ ...spec, key, keyKind: kind, retry: false, timeoutMs: this.timeoutMs, signal: options.signal });
  }

  /**
   * GET /generation?id= — API key, else management key. OpenRouter writes the record shortly after
   * a completion ends and answers 404 until then; with `waitMs` the client keeps asking (backoff
   * 250 ms doubling to 2 s) for that long. Returns null when there is no record (yet).
   */
  async getGeneration(id: string, options: CallOptions & { waitMs?: number } = {}): Promise<Generation | null> {
    const spec = { method: 'GET', path: '/generation' } as const;
    const { key, kind } = await this.firstKey(spec, ['inference', 'management']);
    const giveUpAt = this.clock.now() + (options.waitMs ?? 0);
    for (let poll = 0; ; poll++) {
      try {
        const { json } = await this.runner.json({ ...spec, query: { id }, key, keyKind: kind, retry: true, timeoutMs: this.timeoutMs, signal: options.signal });
        const data = asObject(json)?.data;
        if (data !== null && data !== undefined) {
          const generation = readGeneration(data);
          if (!generation) throw this.malformed(spec, 'generation record without id', kind);
          return generation;
        }
      } catch (err) {
        if (!(err instanceof OpenRouterError && err.status === 404)) throw err;
      }
      const remaining = giveUpAt - this.clock.now();
      if (remaining <= 0) return null;
      await this.clock.sleep(Math.min(remaining, 250 * 2 ** Math.min(poll, 3)), options.signal).catch((reason: unknown) => {
        throw new OpenRouterError({ kind: 'aborted', endpoint: endpointName(spec), detail: 'cancelled while waiting for the record', keyKind: kind, cause: reason });
      });
    }
  }

  // Analytics API (issue 8): the dashboard's whole-account source.
  /** GET /analytics/meta — management key: the metrics, dimensions and granularities available. */
  async getAnalyticsMeta(options: CallOptions = {}): Promise<AnalyticsMeta> {
    const spec = { method: 'GET', path: '/analytics/meta' } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    return this.getData(readAnalyticsMeta, { ...spec, key, keyKind: kind, signal: options.signal });
  }

  /** POST /analytics/query — management key. Rows as OpenRouter sent them (counts may be strings). */
  async queryAnalytics(body: AnalyticsQueryBody, options: CallOptions = {}): Promise<AnalyticsAnswer> {
    const spec = { method: 'POST', path: '/analytics/query' } as const;
    const { key, kind } = await this.requireKey(spec, 'management');
    return this.getData(readAnalyticsAnswer, { ...spec, body, key, keyKind: kind, signal: options.signal });
  }

  /** GET /models — no key sent (the catalogue is public). */
  async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
    return this.getData(readModels, { method: 'GET', path: '/models', keyKind: null, signal: options.signal });
  }

  /** POST /chat/completions (non-streaming) — API key. Never retried. */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatCompletion> {
    const spec = { method: 'POST', path: '/chat/completions' } as const;
    const { key, kind } = await this.requireKey(spec, 'inference');
    const { json, headers } = await this.runner.json({
      ...spec,
      body: chatRequestBody(request, false),
      key,
      keyKind: kind,
      retry: false,
      timeoutMs: this.chatTimeoutMs,
      signal: options.signal,
    });
    const completion = readChatCompletion(json, headers.get('x-generation-id'));
    if (!completion) throw this.malformed(spec, 'body is neither a completion nor an error', kind);
    return completion;
  }

  /**
   * POST /chat/completions with `stream: true` — API key. Never retried. Yields a `meta` event as
   * soon as headers carry X-Generation-Id, then the stream's events. `timeoutMs` bounds the wait
   * for headers and every silence between chunks (OpenRouter sends keep-alive comments).
   * Breaking out of the loop or aborting `signal` closes the connection.
   */
  async *streamChat(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const base = { method: 'POST', path: '/chat/completions' } as const;
    const { key, kind } = await this.requireKey(base, 'inference');
    const spec: RequestSpec = {
      ...base,
      body: chatRequestBody(request, true),
      key,
      keyKind: kind,
      retry: false,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      accept: 'text/event-stream',
    };
    const idle = new IdleDeadline(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    try {
      const response = await idle.during(this.runner.open(spec, signal)).catch((err: unknown) => {
        throw this.runner.classify(err, spec, idle.signal);
      });
      const generationId = response.headers.get('x-generation-id');
      this.logger.debug(`${endpointName(spec)} (stream) → ${response.status}${generationId ? ` ${generationId}` : ''}`);
      if (response.status < 200 || response.status > 299) {
        const text = await idle.during(response.text()).catch(() => '');
        throw errorFromResponse({ endpoint: endpointName(spec), status: response.status, headers: response.headers, bodyText: text, nowMs: this.clock.now(), keyKind: kind });
      }
      if (generationId) yield { type: 'meta', id: generationId, model: null, provider: null };
      if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        const text = await idle.during(response.text()).catch((err: unknown) => {
          throw this.runner.classify(err, spec, idle.signal);
        });
        yield* this.jsonAsStream(text, generationId, spec);
        return;
      }
      if (!response.body) throw this.malformed(spec, 'stream response without a body', kind);
      const reader = response.body.getReader();
      // Only time spent waiting for bytes counts against the deadline, not the consumer's work.
      const watched: ByteReader = { read: () => idle.during(reader.read()), cancel: (reason) => reader.cancel(reason) };
      const events = chatStreamEvents(watched, { endpoint: endpointName(spec), headerGenerationId: generationId, keyKind: kind });
      try {
        // Leaving this loop early (consumer break) closes `events`, which cancels the body.
        for await (const event of events) yield event;
      } catch (err) {
        const error = this.runner.classify(err, spec, idle.signal);
        // A socket dying mid-body is, to the user, the same cut-off reply as a clean early EOF.
        throw error.kind === 'network' && error.code !== STREAM_TRUNCATED ? truncatedStreamError(error.endpoint, `connection lost (${String(error.code ?? rootCause(err).message)})`, kind, err) : error;
      }
    } finally {
      idle.stop();
    }
  }

  /** A 200 answered with plain JSON instead of SSE (e.g. a bare error body): report it as events. */
  private *jsonAsStream(text: string, generationId: string | null, spec: RequestSpec): Generator<ChatStreamEvent> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.malformed(spec, 'expected an event stream or JSON', spec.keyKind);
    }
    const completion = readChatCompletion(parsed, generationId);
    if (!completion) throw this.malformed(spec, 'body is neither a completion nor an error', spec.keyKind);
    if (completion.id && completion.id !== generationId) yield { type: 'meta', id: completion.id, model: completion.model || null, provider: completion.provider };
    if (completion.content) yield { type: 'delta', content: completion.content };
    if (completion.finishReason) yield { type: 'finish', finishReason: completion.finishReason, nativeFinishReason: null };
    if (completion.usage) yield { type: 'usage', usage: completion.usage };
    if (completion.error) yield { type: 'error', ...completion.error };
  }

  private async getData<T>(read: (data: unknown) => T | null, spec: Omit<RequestSpec, 'retry' | 'timeoutMs'>): Promise<T> {
    const { json } = await this.runner.json({ ...spec, retry: spec.method === 'GET', timeoutMs: this.timeoutMs });
    const value = read(asObject(json)?.data);
    if (value === null) throw this.malformed(spec, 'unexpected response shape', spec.keyKind);
    return value;
  }

  private malformed(spec: Pick<RequestSpec, 'method' | 'path'>, detail: string, keyKind: KeyKind | null): OpenRouterError {
    return new OpenRouterError({ kind: 'malformed', endpoint: endpointName(spec), detail, keyKind });
  }

  private async requireKey(spec: Pick<RequestSpec, 'method' | 'path'>, kind: KeyKind): Promise<{ key: string; kind: KeyKind }> {
    const key = (await this.getKeyFn(kind))?.trim();
    if (!key) throw missingKey(spec, kind);
    return { key, kind };
  }

  /** The first configured key in preference order; with neither, the error asks for an API key. */
  private async firstKey(spec: Pick<RequestSpec, 'method' | 'path'>, order: [KeyKind, KeyKind]): Promise<{ key: string; kind: KeyKind }> {
    for (const kind of order) {
      const key = (await this.getKeyFn(kind))?.trim();
      if (key) return { key, kind };
    }
    throw missingKey(spec, 'inference');
  }
}

function missingKey(spec: Pick<RequestSpec, 'method' | 'path'>, kind: KeyKind): OpenRouterError {
  return new OpenRouterError({ kind: 'missing-key', endpoint: endpointName(spec), detail: `no ${kind} key configured`, keyKind: kind });
}

/**
 * An abort signal for "no data for `ms`": the clock runs only while the client waits on the
 * network (`during`), so a slow consumer of the stream never looks like a silent server.
 */
class IdleDeadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ms: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async during<T>(wait: Promise<T>): Promise<T> {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new DOMException(`no data for ${this.ms} ms`, 'TimeoutError')), this.ms);
    try {
      return await wait;
    } finally {
      clearTimeout(this.timer);
    }
  }

  /** Ends the request: releases the connection if the stream was left early. */
  stop(): void {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('stream finished'));
  }
}
