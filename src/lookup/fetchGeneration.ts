/**
 * `GET /generation` for the look-up: a fresh id (a request of the last few minutes) is retried
 * through OpenRouter's lag — the record is written seconds after a completion ends and answers
 * 404 until then — while an old one is asked once more only briefly, so an unknown or expired id
 * gets its answer quickly.
 */
import type { OpenRouterClient } from '../openrouter/client';
import type { Generation } from '../openrouter/types';
import { embeddedTime } from './generationId';

/** A request this recent may simply not be written yet. */
export const FRESH_FOR_MS = 10 * 60 * 1000;
export const FRESH_WAIT_MS = 20_000;
export const OLD_WAIT_MS = 1_500;

export type LookupResult =
  | { kind: 'found'; generation: Generation }
  /** Still 404 after waiting through the lag: probably written soon. */
  | { kind: 'not-yet'; waitedMs: number }
  /** 404 for an id that is not fresh: unknown, another account's, or expired. */
  | { kind: 'unknown' };

/** When the request was made, from the ledger row or the id itself; undefined when neither says. */
export function requestTime(id: string, ledgerTs: string | null | undefined): number | undefined {
  const fromLedger = ledgerTs ? Date.parse(ledgerTs) : NaN;
  return Number.isFinite(fromLedger) ? fromLedger : embeddedTime(id);
}

export function isFresh(requestedAt: number | undefined, now: number): boolean {
  return requestedAt !== undefined && now - requestedAt < FRESH_FOR_MS;
}

export async function fetchGeneration(
  client: Pick<OpenRouterClient, 'getGeneration'>,
  id: string,
  options: { requestedAt?: number; now?: number; signal?: AbortSignal; freshWaitMs?: number; oldWaitMs?: number } = {},
): Promise<LookupResult> {
  const fresh = isFresh(options.requestedAt, options.now ?? Date.now());
  const waitMs = fresh ? options.freshWaitMs ?? FRESH_WAIT_MS : options.oldWaitMs ?? OLD_WAIT_MS;
  const generation = await client.getGeneration(id, { waitMs, signal: options.signal });
  if (generation) return { kind: 'found', generation };
  return fresh ? { kind: 'not-yet', waitedMs: waitMs } : { kind: 'unknown' };
}
