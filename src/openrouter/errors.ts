/**
 * The one error type the client throws. Everything a caller needs to react is on it: what kind of
 * failure, the HTTP status, OpenRouter's own error code/metadata, when to retry, a sentence for
 * the user and which settings page fixes it. Anything echoed from the server or from a socket
 * error passes through `scrubSecrets`, so no key can reach a message, a log or the UI.
 */
import { scrubSecrets } from '../keys/mask';
import type { Translate } from '../util/l10n';
import { asObject, int, num, str, tryParseJson } from './parse';
import type { KeyKind } from './types';
import { PROXY_REFUSED, STREAM_TRUNCATED, describeError } from './userMessages';

export type OpenRouterErrorKind = 'http' | 'network' | 'timeout' | 'aborted' | 'malformed' | 'missing-key';

/** The parts of `error.metadata` the extension reacts to (others are ignored). */
export interface OpenRouterErrorMetadata {
  /** 402/429: `openrouter_credits` | `openrouter_key_limit` | `openrouter_in_flight_budget` | … */
  limitSource: string | null;
  remedyHint: string | null;
  /** Typed code, e.g. `rate_limit_exceeded`, `context_length_exceeded`. */
  errorType: string | null;
  providerName: string | null;
  /** e.g. `in_flight_budget_exhausted`, `weight_exceeds_budget`. */
  reason: string | null;
  /** The upstream provider's own message (`metadata.raw`), scrubbed. */
  raw: string | null;
  /** Model-availability errors (`error.availability.code`), e.g. `no_endpoints`, `model_not_found`. */
  availabilityCode?: string | null;
  /** The request field that excluded every endpoint, e.g. `provider.max_price.completion`. */
  constraintField?: string | null;
  /** 429: the limit that was hit (`X-RateLimit-Limit`, also in `metadata.headers`). */
  rateLimitLimit?: number | null;
  /** 403 "Budget limit exceeded": the budget's period, limit and spend (USD) and when it resets (ISO). */
  budgetScope?: string | null;
  limitUsd?: number | null;
  spendUsd?: number | null;
  resetsAt?: string | null;
}

export interface OpenRouterErrorInit {
  kind: OpenRouterErrorKind;
  /** "GET /key", "POST /chat/completions", … */
  endpoint: string;
  /** Technical detail for logs; scrubbed again here. */
  detail: string;
  status?: number | null;
  code?: number | string | null;
  serverMessage?: string | null;
  metadata?: OpenRouterErrorMetadata | null;
  retryAfterMs?: number | null;
  /** Which key the request used (or was missing). */
  keyKind?: KeyKind | null;
  timeoutMs?: number | null;
  /** TLS verification failed (self-signed / unknown CA / wrong host). */
  certificateProblem?: boolean;
  cause?: unknown;
}

export { PROXY_REFUSED, SETTINGS_URLS, STREAM_TRUNCATED } from './userMessages';

export class OpenRouterError extends Error {
  override readonly name = 'OpenRouterError';
  readonly kind: OpenRouterErrorKind;
  readonly endpoint: string;
  /** HTTP status of OpenRouter's answer ('http' errors only). */
  readonly status: number | null;
  /**
   * 'http': OpenRouter's `error.code`. 'network': the socket error code (ECONNREFUSED,
   * SELF_SIGNED_CERT_IN_CHAIN…) or STREAM_TRUNCATED / PROXY_REFUSED.
   */
  readonly code: number | string | null;
  /** OpenRouter's `error.message` (scrubbed), or a short text of a non-JSON error page. */
  readonly serverMessage: string | null;
  readonly metadata: OpenRouterErrorMetadata | null;
  /** How long OpenRouter asked us to wait (Retry-After / X-RateLimit-Reset), in ms. */
  readonly retryAfterMs: number | null;
  readonly keyKind: KeyKind | null;
  readonly timeoutMs: number | null;
  readonly certificateProblem: boolean;
  /** One or two plain English sentences (logs, tests); the UI shows `localizedMessage`. Never contains a key. */
  readonly userMessage: string;
  /** The openrouter.ai page where the user can fix this, when there is one. */
  readonly settingsUrl: string | null;

  constructor(init: OpenRouterErrorInit) {
    super(scrubSecrets(`OpenRouter ${init.endpoint}: ${init.detail}`), init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.serverMessage = init.serverMessage == null ? null : scrubSecrets(init.serverMessage);
    this.metadata = init.metadata ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.keyKind = init.keyKind ?? null;
    this.timeoutMs = init.timeoutMs ?? null;
    this.certificateProblem = init.certificateProblem ?? false;
    const described = describeError(this);
    this.userMessage = scrubSecrets(described.userMessage);
    this.settingsUrl = described.settingsUrl;
  }

  /** `userMessage` in the user's language, for a notification or the status bar tooltip. Never contains a key. */
  localizedMessage(t: Translate): string {
    return scrubSecrets(describeError(this, t).userMessage);
  }

  /** Worth trying again later without the user changing anything. */
  get transient(): boolean {
    if (this.kind === 'network') return !this.certificateProblem && this.code !== PROXY_REFUSED;
    if (this.kind === 'timeout') return true;
    if (this.kind !== 'http' || this.status === null) return false;
    return this.status === 408 || this.status === 429 || this.status >= 500 || this.metadata?.limitSource === 'openrouter_in_flight_budget';
  }
}

export function isOpenRouterError(err: unknown): err is OpenRouterError {
  return err instanceof OpenRouterError;
}

/** Minimal header access shared by fetch `Headers` and undici's. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** Retry-After: delta seconds (possibly fractional) or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** X-RateLimit-Reset is epoch milliseconds (as a string); epoch seconds are tolerated. */
export function parseRateLimitReset(value: unknown, nowMs: number): number | null {
  const n = num(value);
  if (n === null || n <= 0) return null;
  const epochMs = n < 1e11 ? n * 1000 : n;
  return Math.max(0, Math.round(epochMs - nowMs));
}

function headerFromMetadata(metadata: Record<string, unknown> | null, name: string): unknown {
  const headers = asObject(metadata?.headers);
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function readMetadata(error: Record<string, unknown> | null, rateLimitHeader: string | null): OpenRouterErrorMetadata | null {
  const m = asObject(error?.metadata);
  const availability = asObject(error?.availability);
  const errorType = str(m?.error_type) ?? str(error?.error_type);
  if (!m && !availability && errorType === null) return null;
  const raw = str(m?.raw);
  return {
    limitSource: str(m?.limit_source),
    remedyHint: str(m?.remedy_hint),
    errorType,
    providerName: str(m?.provider_name),
    reason: str(m?.reason),
    raw: raw === null ? null : scrubSecrets(raw),
    availabilityCode: str(availability?.code),
    constraintField: str(asObject(availability?.constraint)?.field),
    rateLimitLimit: int(rateLimitHeader) ?? int(headerFromMetadata(m, 'x-ratelimit-limit')),
    budgetScope: str(m?.scope),
    limitUsd: num(m?.limit_usd),
    spendUsd: num(m?.spend_usd),
    resetsAt: str(m?.resets_at),
  };
}

export interface ResponseErrorInput {
  endpoint: string;
  status: number;
  headers: HeaderReader;
  bodyText: string;
  nowMs: number;
  keyKind: KeyKind | null;
}

/** Builds the error for a non-2xx answer from whatever body came with it (JSON envelope, HTML, nothing). */
export function errorFromResponse(input: ResponseErrorInput): OpenRouterError {
  const body = asObject(tryParseJson(input.bodyText));
  const error = asObject(body?.error);
  const errorMessage = str(error?.message) ?? str(body?.error) ?? str(body?.message);
  const metadata = readMetadata(error, input.headers.get('x-ratelimit-limit'));
  const rawMetadata = asObject(error?.metadata);
  const availability = asObject(error?.availability);
  const retryAfterMs =
    parseRetryAfter(input.headers.get('retry-after'), input.nowMs) ??
    parseRateLimitReset(input.headers.get('x-ratelimit-reset'), input.nowMs) ??
    parseRateLimitReset(headerFromMetadata(rawMetadata, 'x-ratelimit-reset'), input.nowMs) ??
    secondsToMs(num(rawMetadata?.retry_after_seconds) ?? num(availability?.retry_after));
  const code = int(error?.code) ?? str(error?.code) ?? int(error?.http_status);
  return new OpenRouterError({
    kind: 'http',
    endpoint: input.endpoint,
    detail: `HTTP ${input.status}${errorMessage ? ` ${errorMessage}` : ''}`,
    status: input.status,
    code,
    serverMessage: errorMessage ?? shortBody(input.bodyText),
    metadata,
    retryAfterMs,
    keyKind: input.keyKind,
  });
}

function secondsToMs(seconds: number | null): number | null {
  return seconds === null || seconds < 0 ? null : Math.round(seconds * 1000);
}

/** A non-JSON error body (proxy HTML page, plain text) shortened to something a log line can hold. */
function shortBody(text: string): string | null {
  const flat = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (flat === '') return null;
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Walks `cause` chains (fetch wraps socket errors in "TypeError: fetch failed"). */
export function rootCause(err: unknown): { code: string | null; message: string } {
  let current: unknown = err;
  let code: string | null = null;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const c = (current as Error & { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    if (current.message && current.message !== 'fetch failed') message = current.message;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return { code, message };
}

export function networkError(endpoint: string, err: unknown, keyKind: KeyKind | null): OpenRouterError {
  const { code, message } = rootCause(err);
  // undici's ProxyAgent reports a refused CONNECT only in its message.
  const proxyStatus = /Proxy response \((\d{3})\)/.exec(message)?.[1];
  return new OpenRouterError({
    kind: 'network',
    endpoint,
    detail: code ? `${code}: ${message}` : message,
    code: proxyStatus ? PROXY_REFUSED : code,
    serverMessage: proxyStatus ? `the proxy answered HTTP ${proxyStatus}` : null,
    keyKind,
    certificateProblem: code !== null && CERTIFICATE_CODES.has(code),
    cause: err,
  });
}

/** A streamed reply that stopped before `[DONE]`: clean EOF, cut socket, or reset mid-body. */
export function truncatedStreamError(endpoint: string, detail: string, keyKind: KeyKind | null, cause?: unknown): OpenRouterError {
  return new OpenRouterError({ kind: 'network', endpoint, detail: `truncated stream: ${detail}`, code: STREAM_TRUNCATED, keyKind, cause });
}
