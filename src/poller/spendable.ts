/**
 * What the user can still spend, from a /key reading and (when it answers) a /credits reading.
 * Pure: unit-tested without VS Code. "Never show a wrong number": every input that cannot be
 * trusted is dropped rather than shown.
 */
import type { Credits, KeyInfo, LimitReset } from '../openrouter/types';

export type Bound = 'credits' | 'key-limit' | 'none';

export interface Spendable {
  /** USD that can still be spent now, or null when neither bound exists ("no limit"). */
  amount: number | null;
  binding: Bound;
  creditsRemaining: number | null;
  keyLimitRemaining: number | null;
  keyLimitReset: LimitReset;
  /** Set when /credits answered but its figures were not believable and were ignored. */
  creditsDiscarded: boolean;
}

/**
 * /credits has been seen answering 200 with zeros to a key that cannot read the account.
 * A balance of 0 purchased and 0 used is only believable if the key itself has spent nothing.
 */
export function creditsAreBelievable(credits: Credits, key: KeyInfo | null): boolean {
  if (!Number.isFinite(credits.totalCredits) || !Number.isFinite(credits.totalUsage)) return false;
  return !(credits.totalCredits === 0 && credits.totalUsage === 0 && key !== null && key.usage > 0);
}

export function computeSpendable(key: KeyInfo | null, credits: Credits | null): Spendable {
  let creditsRemaining: number | null = null;
  let creditsDiscarded = false;
  if (credits) {
    if (creditsAreBelievable(credits, key)) {
      creditsRemaining = Math.max(0, credits.totalCredits - credits.totalUsage);
    } else {
      creditsDiscarded = true;
    }
  }
  const keyLimitRemaining =
    key && key.limit !== null && key.limitRemaining !== null ? Math.max(0, key.limitRemaining) : null;

  let amount: number | null = null;
  let binding: Bound = 'none';
  if (creditsRemaining !== null && (keyLimitRemaining === null || creditsRemaining <= keyLimitRemaining)) {
    amount = creditsRemaining;
    binding = 'credits';
  } else if (keyLimitRemaining !== null) {
    amount = keyLimitRemaining;
    binding = 'key-limit';
  }
  return { amount, binding, creditsRemaining, keyLimitRemaining, keyLimitReset: key?.limitReset ?? null, creditsDiscarded };
}

export type Level = 'ok' | 'warning' | 'critical';

export function levelFor(amount: number | null, thresholds: { warnBelow: number; criticalBelow: number }): Level {
  if (amount === null) return 'ok';
  if (amount < thresholds.criticalBelow) return 'critical';
  if (amount < thresholds.warnBelow) return 'warning';
  return 'ok';
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

/**
 * One notification per downward crossing: only when the level gets worse than the last one seen.
 * With no earlier reading the baseline is 'ok', so starting already low notifies once.
 */
export function crossedDown(previous: Level | undefined, next: Level): boolean {
  return RANK[next] > RANK[previous ?? 'ok'];
}
