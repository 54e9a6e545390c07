/** Identifier formats OpenRouter uses: keys, key hashes, masked labels, generation ids, timestamps. */
import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'sk-or-v1-';
const ALPHANUMERICS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 'sk-or-v1-' + 64 lowercase hex, like a real issued key. */
export function newKeySecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('hex');
}

/** The management API identifies keys by the SHA-256 hex of the full key text. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Masked label as the docs show it: 'sk-or-v1-0e6...1c96'. */
export function keyLabel(key: string): string {
  const body = key.slice(KEY_PREFIX.length);
  return `${KEY_PREFIX}${body.slice(0, 3)}...${body.slice(-4)}`;
}

/** Masks every OpenRouter key inside free text (used for recorded request headers). */
export function maskKeysIn(text: string): string {
  return text.replace(/sk-or-v1-[A-Za-z0-9]+/g, (k) => keyLabel(k));
}

export function looksLikeKey(text: string): boolean {
  return text.startsWith(KEY_PREFIX);
}

function randomAlphanumerics(count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  for (let i = 0; i < count; i++) out += ALPHANUMERICS[bytes[i] % ALPHANUMERICS.length];
  return out;
}

/** 'gen-<unix seconds>-<20 alphanumerics>' like real captures. */
export function generationId(at: Date): string {
  return `gen-${Math.floor(at.getTime() / 1000)}-${randomAlphanumerics(20)}`;
}

export function upstreamId(): string {
  return `chatcmpl-${randomAlphanumerics(24)}`;
}

/** Management-API timestamp style: microseconds and an explicit '+00:00' offset. */
export function isoMicros(at: Date, seed = ''): string {
  const micros = seed ? parseInt(hashKey(seed).slice(0, 6), 16) % 1000 : 0;
  return at.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(micros).padStart(3, '0')}+00:00`);
}

/** A stable UUID-shaped id derived from a seed (endpoint ids, workspace ids). */
export function uuidFrom(seed: string): string {
  const h = hashKey(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
