/**
 * OpenRouter names a key by the SHA-256 hex of its full secret (the `hash` of `/keys`, the
 * `api_key_hash` of `/activity`), so the key in use here is found without sending it anywhere.
 * Should that hash ever not match, the masked label `GET /key` gave for the key in use (its own
 * record) identifies it among the `/keys` records instead.
 */
import { createHash } from 'node:crypto';

export function keyHash(secret: string): string {
  return createHash('sha256').update(secret.trim()).digest('hex');
}

/** What identifies the API key in use here in `/keys`; holds no part of the secret beyond what the label shows. */
export interface KeyInUse {
  hash: string;
  /** The masked label of the last `GET /key` reading, only when that reading was of this very secret. */
  label: string | null;
}

/**
 * `readLabel` comes from the credit poller's last `GET /key`, which may predate a key change (or
 * come from another window): it counts only when its visible start and end are the secret's own.
 */
export function keyInUse(secret: string, readLabel: string | null | undefined): KeyInUse {
  const trimmed = secret.trim();
  const visible = readLabel ? /^(.+?)(?:\.\.\.|…)(.+)$/.exec(readLabel) : null;
  const ofThisSecret = !!visible && trimmed.startsWith(visible[1]) && trimmed.endsWith(visible[2]);
  return { hash: keyHash(trimmed), label: ofThisSecret ? readLabel! : null };
}

/**
 * The `/keys` hash of the key in use: the record whose hash is the secret's SHA-256, else the one
 * record carrying the label `GET /key` gave for it. Two records with that label are not guessed between.
 */
export function findKeyInUse(records: readonly { hash: string; label: string }[], inUse: KeyInUse | undefined): string | undefined {
  if (!inUse) return undefined;
  if (records.some((r) => r.hash === inUse.hash)) return inUse.hash;
  if (!inUse.label) return undefined;
  const labelled = records.filter((r) => r.label === inUse.label);
  return labelled.length === 1 ? labelled[0].hash : undefined;
}
