/**
 * One HTTP exchange with OpenRouter: URL, attribution headers, deadline, retries, and turning
 * every failure into an OpenRouterError. Endpoint knowledge lives in client.ts.
 */
import { scrubSecrets } from '../keys/mask';
import type { Logger } from '../util/logger';
import { OpenRouterError, errorFromResponse, networkError } from './errors';
import { tryParseJson } from './parse';
import { retryDelayMs, type Clock, type ResolvedRetryOptions } from './retry';
import type { Transport, TransportResponse } from './transport';
import type { KeyKind } from './types';
import { version } from '../../package.json';

/** App attribution (openrouter.ai rankings) sent with every request. */
export const ATTRIBUTION_HEADERS: Readonly<Record<string, string>> = {
  'HTTP-Referer': 'https://github.com/openrouter-ledger/openrouter-ledger',
  'X-OpenRouter-Title': 'OpenRouter Ledger',
  'X-Title': 'OpenRouter Ledger',
  'X-OpenRouter-Categories': 'ide-extension',
  'User-Agent': `openrouter-ledger/${version}`,
};

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RequestSpec {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Bearer token; omitted for endpoints that need none (/models). */
  key?: string;
  keyKind: KeyKind | null;
  /** Idempotent requests may be repeated on transient failures. */
  retry: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  accept?: string;
}

export interface JsonResponse {
  status: number;
  headers: TransportResponse['headers'];
  json: unknown;
}

export function endpointName(spec: Pick<RequestSpec, 'method' | 'path'>): string {
  return `${spec.method} ${spec.path}`;
}

export class RequestRunner {
  constructor(
    private readonly baseUrl: string,
    private readonly transport: Transport,
    private readonly retry: ResolvedRetryOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  url(spec: Pick<RequestSpec, 'path' | 'query'>): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const query = params.toString();
    return `${this.baseUrl}${spec.path}${query ? `?${query}` : ''}`;
  }

  headers(spec: RequestSpec): Record<string, string> {
    const headers: Record<string, string> = { ...ATTRIBUTION_HEADERS, Accept: spec.accept ?? 'application/json' };
    if (spec.key) headers.Authorization = `Bearer ${spec.key}`;
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    return headers;
  }

  /** Sends with retries and returns the parsed JSON of a 2xx answer. */
  async json(spec: RequestSpec): Promise<JsonResponse> {
    const endpoint = endpointName(spec);
    for (let attempt = 1; ; attempt++) {
      const started = this.clock.now();
      try {
        const result = await this.once(spec);
        this.logger.debug(`${endpoint} → ${result.status} in ${this.clock.now() - started} ms (attempt ${attempt})`);
        return result;
      } catch (err) {
        const error = err instanceof OpenRouterError ? err : networkError(endpoint, err, spec.keyKind);
        const delay = spec.retry ? retryDelayMs(attempt, error, this.retry) : null;
        if (delay === null) {
          // A 4xx is an answer (no key, not found yet…), not trouble with the connection.
          const expected = error.kind === 'http' && error.status !== null && error.status < 500 && error.status !== 429;
          this.logger[expected ? 'debug' : 'warn'](`${endpoint} failed after ${attempt} attempt(s): ${error.message}`);
          throw error;
        }
        this.logger.info(scrubSecrets(`${endpoint} failed (${error.message}); retry ${attempt + 1}/${this.retry.maxAttempts} in ${delay} ms`));
        try {
          await this.clock.sleep(delay, spec.signal);
        } catch (abortReason) {
          throw new OpenRouterError({ kind: 'aborted', endpoint, detail: 'cancelled while waiting to retry', keyKind: spec.keyKind, cause: abortReason });
        }
      }
    }
  }

  private async once(spec: RequestSpec): Promise<JsonResponse> {
    const endpoint = endpointName(spec);
    const deadline = AbortSignal.timeout(spec.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline;
    try {
      const response = await this.open(spec, signal);
      const text = await response.text();
      if (response.status < 200 || response.status > 299) {
        throw errorFromResponse({ endpoint, status: response.status, headers: response.headers, bodyText: text, nowMs: this.clock.now(), keyKind: spec.keyKind });
      }
      const json = text.trim() === '' ? null : tryParseJson(text);
      if (json === undefined) {
        throw new OpenRouterError({ kind: 'malformed', endpoint, detail: `HTTP ${response.status} body is not valid JSON (${text.length} chars)`, status: response.status, keyKind: spec.keyKind });
      }
      return { status: response.status, headers: response.headers, json };
    } catch (err) {
      throw this.classify(err, spec, deadline);
    }
  }

  /** Sends one attempt and returns the response as soon as headers arrive (for streams). */
  open(spec: RequestSpec, signal: AbortSignal): Promise<TransportResponse> {
    return this.transport(this.url(spec), {
      method: spec.method,
      headers: this.headers(spec),
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal,
    });
  }

  /** Maps whatever a transport or body read threw: our deadline, the caller's cancel, or the network. */
  classify(err: unknown, spec: RequestSpec, deadline: AbortSignal, timeoutMs = spec.timeoutMs): OpenRouterError {
    const endpoint = endpointName(spec);
    if (err instanceof OpenRouterError) return err;
    if (spec.signal?.aborted) {
      return new OpenRouterError({ kind: 'aborted', endpoint, detail: 'cancelled', keyKind: spec.keyKind, cause: err });
    }
    if (deadline.aborted) {
      return new OpenRouterError({ kind: 'timeout', endpoint, detail: `no answer within ${timeoutMs} ms`, keyKind: spec.keyKind, timeoutMs, cause: err });
    }
    return networkError(endpoint, err, spec.keyKind);
  }
}
