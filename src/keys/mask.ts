/**
 * Key masking and log scrubbing. A key is only ever referred to in its masked form
 * (`sk-or-v1-abc…wxyz`); anything written to a log, an error message or a file goes through
 * `scrubSecrets` first.
 */

const KEY_PREFIX = 'sk-or-v1-';
const KEY_PATTERN = /sk-or-(?:v\d+-)?[A-Za-z0-9_-]{8,}/g;
const BEARER_PATTERN = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** `sk-or-v1-abcdef…wxyz` → `sk-or-v1-abc…wxyz`; anything short or foreign keeps only its last 4. */
export function maskKey(key: string): string {
  const trimmed = key.trim();
  if (trimmed.startsWith(KEY_PREFIX) && trimmed.length >= KEY_PREFIX.length + 8) {
    const body = trimmed.slice(KEY_PREFIX.length);
    return `${KEY_PREFIX}${body.slice(0, 3)}…${body.slice(-4)}`;
  }
  if (trimmed.length <= 8) return '…';
  return `…${trimmed.slice(-4)}`;
}

/** Replaces every OpenRouter key and bearer token in free text by its masked form. */
export function scrubSecrets(text: string): string {
  return text
    .replace(KEY_PATTERN, (k) => maskKey(k))
    .replace(BEARER_PATTERN, (_m, prefix: string) => `${prefix}…`);
}
