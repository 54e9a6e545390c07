/**
 * OpenRouter names a key by the SHA-256 hex of its full secret (the `hash` of `/keys`, the
 * `api_key_hash` of `/activity`), so the key in use here is found without sending it anywhere.
 */
import { createHash } from 'node:crypto';

export function keyHash(secret: string): string {
  return createHash('sha256').update(secret.trim()).digest('hex');
}
