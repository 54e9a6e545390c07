/**
 * Retry policy for idempotent requests. It follows the semantics of undici's RetryHandler
 * (idempotent methods only; 408/429/5xx and connection errors; exponential backoff; Retry-After
 * honoured), but lives in the client rather than in a dispatcher interceptor: inside VS Code the
 * transport is the host's patched fetch, which replaces our dispatcher and drops interceptors.
 * Backoff uses "full jitter" (a random delay between 0 and the exponential cap), so windows that
 * fail together do not retry together. Time is injected so tests can run it on a fake clock.
 */
import { PROXY_REFUSED, type OpenRouterError } from './errors';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface RetryOptions {
  /** Total attempts including the first (1 = never retry). Default 3. */
  maxAttempts?: number;
  /** Cap of the first backoff window. Default 500 ms. */
  baseDelayMs?: number;
  /** Largest backoff window. Default 8 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(options: RetryOptions | undefined): ResolvedRetryOptions {
  return {
    maxAttempts: Math.max(1, Math.floor(options?.maxAttempts ?? 3)),
    baseDelayMs: Math.max(0, options?.baseDelayMs ?? 500),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? 8_000),
    maxRetryAfterMs: Math.max(0, options?.maxRetryAfterMs ?? 30_000),
    random: options?.random ?? Math.random,
  };
}

/** Statuses worth repeating an idempotent request for. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Connection-level failures are retried; certificate problems, proxy refusals and our own deadline are not. */
export function isRetryableError(err: OpenRouterError): boolean {
  if (err.kind === 'network') return !err.certificateProblem && err.code !== PROXY_REFUSED;
  if (err.kind === 'http') return err.status !== null && isRetryableStatus(err.status);
  return false;
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1), or `null` to stop: out of
 * attempts, or the server asked for a wait longer than we are willing to block.
 */
export function retryDelayMs(attempt: number, err: OpenRouterError, options: ResolvedRetryOptions): number | null {
  if (attempt >= options.maxAttempts || !isRetryableError(err)) return null;
  if (err.retryAfterMs !== null) {
    return err.retryAfterMs <= options.maxRetryAfterMs ? err.retryAfterMs : null;
  }
  const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * window);
}
