import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  OpenRouterError,
  SETTINGS_URLS,
  errorFromResponse,
  networkError,
  parseRateLimitReset,
  parseRetryAfter,
} from '../../src/openrouter/errors';
import type { KeyKind } from '../../src/openrouter/types';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const KEY = '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';

function fromResponse(status: number, body: unknown, headers: Record<string, string> = {}, keyKind: KeyKind | null = 'inference'): OpenRouterError {
  return errorFromResponse({
    endpoint: 'GET /key',
    status,
    headers: new Headers(headers),
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
    nowMs: NOW,
    keyKind,
  });
}

const envelope = (code: number, message: string, metadata?: Record<string, unknown>) => ({ error: { code, message, ...(metadata ? { metadata } : {}) }, user_id: 'user_3D0I' });

describe('OpenRouterError messages', () => {
  it('401 with an API key says the key is invalid or revoked and names "Set API Key"', () => {
    const e = fromResponse(401, envelope(401, 'User not found.'));
    assert.equal(e.kind, 'http');
    assert.equal(e.status, 401);
    assert.match(e.userMessage, /rejected the API key.*invalid, disabled or revoked.*“OpenRouter: Set API Key”/);
    assert.equal(e.settingsUrl, SETTINGS_URLS.keys);
    assert.equal(e.transient, false);
  });

  it('401 with the management key names "Set Management Key"', () => {
    const e = fromResponse(401, envelope(401, 'User not found.'), {}, 'management');
    assert.match(e.userMessage, /management key.*“OpenRouter: Set Management Key”/);
  });

  it('402 out of credits points to the credits page and suggests fewer max tokens when that was the cause', () => {
    const e = fromResponse(402, envelope(402, 'This request requires more credits, or fewer max_tokens. You requested up to 32000 tokens, but can only afford 27342. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account', { provider_name: null }));
    assert.match(e.userMessage, /account does not have enough credits.*lower max tokens/);
    assert.equal(e.settingsUrl, SETTINGS_URLS.credits);
  });

  it('402 caused by the key limit points to the keys page (from limit_source)', () => {
    const e = fromResponse(402, envelope(402, 'Key limit exceeded', { limit_source: 'openrouter_key_limit', remedy_hint: 'Raise the key limit' }));
    assert.match(e.userMessage, /API key has reached its spending limit/);
    assert.equal(e.settingsUrl, SETTINGS_URLS.keys);
    assert.equal(e.metadata?.limitSource, 'openrouter_key_limit');
    assert.equal(e.metadata?.remedyHint, 'Raise the key limit');
  });

  it('402 caused by the key limit is recognized from the message text when limit_source is absent', () => {
    const e = fromResponse(402, envelope(402, 'This request requires more credits. To increase, visit https://openrouter.ai/settings/keys and create a key with a higher monthly limit'));
    assert.equal(e.settingsUrl, SETTINGS_URLS.keys);
  });

  it('402 in-flight budget says the credit is held by running requests and when to retry', () => {
    const e = fromResponse(
      402,
      envelope(402, 'This request would exceed your available credits given your current in-flight requests.', { reason: 'in_flight_budget_exhausted', limit_source: 'openrouter_in_flight_budget', remedy_hint: 'Retry after…' }),
      { 'Retry-After': '3' },
    );
    assert.match(e.userMessage, /held by requests that are still running\. Try again in 3 seconds/);
    assert.equal(e.retryAfterMs, 3000);
    assert.equal(e.transient, true);
    assert.equal(e.settingsUrl, SETTINGS_URLS.credits);
  });

  it('403 "only management keys" tells the user a management key is needed', () => {
    const e = fromResponse(403, envelope(403, 'Only management keys can perform this operation'));
    assert.match(e.userMessage, /needs an OpenRouter management key.*“OpenRouter: Set Management Key”/);
    assert.equal(e.settingsUrl, SETTINGS_URLS.managementKeys);
  });

  it('404, 408 and 5xx each get their own sentence', () => {
    assert.match(fromResponse(404, envelope(404, 'Resource not found')).userMessage, /could not find .*\(404\): Resource not found\./);
    assert.match(fromResponse(408, envelope(408, 'Operation timed out.')).userMessage, /timed out .*\(408\)\. Try again/);
    assert.match(fromResponse(500, envelope(500, 'Internal Server Error')).userMessage, /server error \(500\)/);
    assert.match(fromResponse(502, envelope(502, 'Provider returned error', { provider_name: 'Venice', raw: 'upstream reset' })).userMessage, /model provider \(Venice\) returned an error \(502\)/);
    assert.match(fromResponse(503, envelope(503, 'Service temporarily unavailable'), { 'Retry-After': '120' }).userMessage, /overloaded .*Try again in 2 minutes/);
  });

  it('429 says when to retry, from Retry-After seconds', () => {
    const e = fromResponse(429, envelope(429, 'Rate limit exceeded: free-models-per-min'), { 'Retry-After': '17' });
    assert.equal(e.retryAfterMs, 17_000);
    assert.match(e.userMessage, /rate-limiting requests \(Rate limit exceeded: free-models-per-min\)\. Try again in 17 seconds\./);
  });

  it('429 without Retry-After uses X-RateLimit-Reset (epoch ms), also when it is only in metadata.headers', () => {
    const reset = String(NOW + 45 * 60_000);
    assert.equal(fromResponse(429, envelope(429, 'Rate limit exceeded'), { 'X-RateLimit-Reset': reset }).retryAfterMs, 45 * 60_000);
    const e = fromResponse(429, envelope(429, 'Rate limit exceeded: free-models-per-day', { headers: { 'X-RateLimit-Limit': '50', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset } }));
    assert.equal(e.retryAfterMs, 45 * 60_000);
    assert.match(e.userMessage, /Try again in 45 minutes/);
  });

  it('network failures, certificate problems, timeouts, cancels and malformed bodies each read clearly', () => {
    const refused = networkError('GET /key', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }), 'inference');
    assert.match(refused.userMessage, /Could not reach OpenRouter \(ECONNREFUSED\)\. Check your internet connection and proxy settings/);
    assert.equal(refused.transient, true);
    const cert = networkError('GET /key', new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) }), 'inference');
    assert.equal(cert.certificateProblem, true);
    assert.match(cert.userMessage, /certificate .* could not be verified \(SELF_SIGNED_CERT_IN_CHAIN\).*CA certificate/);
    assert.equal(cert.transient, false);
    assert.match(new OpenRouterError({ kind: 'timeout', endpoint: 'GET /key', detail: 'x', timeoutMs: 15_000 }).userMessage, /did not answer within 15 seconds/);
    assert.match(new OpenRouterError({ kind: 'aborted', endpoint: 'GET /key', detail: 'x' }).userMessage, /cancelled/);
    assert.match(new OpenRouterError({ kind: 'malformed', endpoint: 'GET /key', detail: 'x' }).userMessage, /could not be read/);
  });

  it('a non-JSON error page (e.g. from a proxy) still produces a status-based message', () => {
    const e = fromResponse(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', {}, null);
    assert.equal(e.status, 502);
    assert.equal(e.serverMessage, '502 Bad Gateway');
    assert.match(e.userMessage, /returned an error \(502\)/);
  });

  it('never repeats a key the server echoed back, in any field', () => {
    const e = fromResponse(400, { error: { code: 400, message: `Invalid key ${KEY}`, metadata: { raw: `Authorization: Bearer ${KEY}` } } });
    for (const text of [e.message, e.userMessage, e.serverMessage ?? '', e.metadata?.raw ?? '']) {
      assert.ok(!text.includes(KEY), `leaked in: ${text}`);
      assert.ok(!text.includes(KEY.slice(12, 40)), `partially leaked in: ${text}`);
    }
    assert.match(e.userMessage, /sk-or-v1-d35…855d/);
  });
});

describe('retry hints', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('5', NOW), 5000);
    assert.equal(parseRetryAfter('1.5', NOW), 1500);
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
    assert.equal(parseRetryAfter(new Date(NOW - 5_000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter('soon', NOW), null);
    assert.equal(parseRetryAfter(null, NOW), null);
  });

  it('parses X-RateLimit-Reset as epoch milliseconds and tolerates epoch seconds', () => {
    assert.equal(parseRateLimitReset(String(NOW + 2_000), NOW), 2_000);
    assert.equal(parseRateLimitReset((NOW + 60_000) / 1000, NOW), 60_000);
    assert.equal(parseRateLimitReset('garbage', NOW), null);
  });
});
