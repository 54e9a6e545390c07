/**
 * Fault injection. Request faults (status, delay, drop, malformed-json) match by method and path
 * prefix and fire before authentication, like a flaky network or edge. Stream faults
 * (truncate-stream, mid-stream-error) are consumed by the next streamed chat completion.
 */
import { ServerResponse } from 'node:http';
import { budgetExceeded, defaultMessage, errorBody, errorTypeOf, paymentRequired, type LimitSource } from './errors';
import { sendJson, sendRaw } from './http';
import { Fault } from './types';

type RequestFault = Extract<Fault, { kind: 'status' | 'delay' | 'drop' | 'malformed-json' }>;
export type StreamFault = Extract<Fault, { kind: 'truncate-stream' | 'mid-stream-error' | 'choice-error' }>;

interface Pending<F> {
  fault: F;
  remaining: number;
}

const API_BASE = '/api/v1';

function isStreamFault(f: Fault): f is StreamFault {
  return f.kind === 'truncate-stream' || f.kind === 'mid-stream-error' || f.kind === 'choice-error';
}

function pathMatches(prefix: string | undefined, path: string): boolean {
  if (!prefix) return true;
  return path.startsWith(prefix) || path.startsWith(API_BASE + prefix);
}

export class FaultQueue {
  private requestFaults: Array<Pending<RequestFault>> = [];
  private streamFaults: Array<Pending<StreamFault>> = [];

  add(fault: Fault): void {
    const remaining = fault.times ?? 1;
    if (remaining <= 0) return;
    if (isStreamFault(fault)) this.streamFaults.push({ fault, remaining });
    else this.requestFaults.push({ fault, remaining });
  }

  clear(): void {
    this.requestFaults = [];
    this.streamFaults = [];
  }

  takeRequestFault(method: string, path: string): RequestFault | undefined {
    const hit = this.requestFaults.find(
      (p) => pathMatches(p.fault.path, path) && (!p.fault.method || p.fault.method.toUpperCase() === method.toUpperCase()),
    );
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.requestFaults = this.requestFaults.filter((p) => p !== hit);
    return hit.fault;
  }

  /** The next completion fault; a non-streaming request only takes a `choice-error` (the others need a stream). */
  takeStreamFault(stream = true): StreamFault | undefined {
    const hit = this.streamFaults[0];
    if (!hit || (!stream && hit.fault.kind !== 'choice-error')) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.streamFaults.shift();
    return hit.fault;
  }
}

/** Answers an injected status fault with realistic headers and body for its status. */
export function sendStatusFault(res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>, nowMs: number): void {
  const headers: Record<string, string> = {};
  const status = fault.status;
  let body: unknown = fault.body;
  if (status === 429) {
    const reset = fault.rateLimitResetMs === undefined ? nowMs + 60_000 : fault.rateLimitResetMs < 1e12 ? nowMs + fault.rateLimitResetMs : fault.rateLimitResetMs;
    const rl = { 'X-RateLimit-Limit': '20', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Math.round(reset)) };
    Object.assign(headers, rl);
    headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
    body ??= errorBody(429, defaultMessage(429), { headers: rl, provider_name: null, error_type: 'rate_limit_exceeded' }, true);
  } else if (status === 403 && fault.limitSource) {
    body ??= budgetExceeded(fault.limitSource, nowMs);
  } else if (status === 402 && fault.limitSource) {
    if (fault.limitSource === 'openrouter_in_flight_budget' || fault.retryAfterSeconds !== undefined) {
      headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
    }
    body ??= paymentRequired(fault.limitSource as LimitSource, 1000, 0);
  } else {
    if (status === 503 || fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
    const metadata = status === 502 ? { provider_name: 'OpenAI', raw: 'upstream connection reset', error_type: errorTypeOf(502) } : undefined;
    body ??= errorBody(status, defaultMessage(status), metadata, status === 402);
  }
  sendJson(res, status, body, headers);
}

/** A 200 whose JSON body is cut off mid-way. */
export function sendMalformedJson(res: ServerResponse): void {
  sendRaw(res, 200, 'application/json', '{"data": {"label": "sk-or-v1-abc...wxyz", "usage": 0.12, "limit":');
}
