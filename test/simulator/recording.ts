/** Turns an incoming request into a RecordedRequest with every secret masked. */
import { IncomingMessage } from 'node:http';
import { keyLabel, looksLikeKey, maskKeysIn } from './ids';
import { RecordedRequest } from './types';

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

function maskToken(token: string): string {
  if (looksLikeKey(token)) return keyLabel(token);
  return token.length > 8 ? `...${token.slice(-4)}` : '...';
}

/** 'Bearer sk-or-v1-…' → 'Bearer sk-or-v1-abc...wxyz'; foreign tokens keep only their last 4. */
function maskCredential(value: string): string {
  const match = /^(\S+)\s+(\S+)(.*)$/.exec(value.trim());
  return match ? `${match[1]} ${maskToken(match[2])}` : maskToken(value.trim());
}

export function recordRequest(req: IncomingMessage, url: URL, body: unknown, viaProxy: boolean): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name.toLowerCase()] = CREDENTIAL_HEADERS.has(name.toLowerCase()) ? maskCredential(text) : maskKeysIn(text);
  }
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    query[k] = v;
  });
  const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, headers, body };
  if (viaProxy) recorded.viaProxy = true;
  return recorded;
}
