/**
 * Runway and month-end projection. The burn rate is the last 7 days' spend per day: the larger
 * of the ledger's own spend and what the account's (or key's) usage counter in
 * `credit_snapshots` grew by, since the ledger misses spend from other tools and the larger
 * figure gives the shorter, safer runway. Nothing unknown is ever treated as zero.
 */
import type { CreditSnapshot } from '../../ledger/types';
import type { Credits, KeyInfo } from '../../openrouter/types';
import { computeSpendable } from '../../poller/spendable';
import { DAY_MS } from '../../util/time';

export const BURN_WINDOW_DAYS = 7;
/** Snapshots closer together than this say too little about a daily rate. */
const MIN_SNAPSHOT_SPAN_MS = DAY_MS;

export type Bound = 'credits' | 'key-limit' | 'none';

/** What can be spent now; null when no reading was ever taken (unknown, not zero). */
export interface Balance {
  /** USD, or null when nothing bounds spending ("no limit"). */
  amount: number | null;
  binding: Bound;
  /** The key's limit (USD) when it has one, for the bar in the cost view. */
  keyLimit: number | null;
  /** The account's purchased credits when known. */
  totalCredits: number | null;
  /** When the reading was taken, epoch ms. */
  at: number;
}

export interface Burn {
  /** USD per day, or null when nothing at all is known about the last 7 days. */
  perDay: number | null;
  source: 'ledger' | 'account';
}

export type Runway =
  | { kind: 'unknown' }
  | { kind: 'no-limit' }
  | { kind: 'exhausted' }
  | { kind: 'no-spend' }
  | { kind: 'days'; days: number; until: number };

export interface Projection {
  monthToDate: number;
  /** USD at the end of the month at the current burn, or null when the burn is unknown. */
  projected: number | null;
  budget: number | null;
  /** projected − budget when both are known and the budget is set. */
  overBudgetBy: number | null;
}

/** The balance a stored credit snapshot implies (the same rule as the status bar's spendable). */
export function balanceFromSnapshot(s: CreditSnapshot): Balance {
  let credits: number | null = null;
  if (s.totalCredits !== null && s.totalUsage !== null && Number.isFinite(s.totalCredits) && Number.isFinite(s.totalUsage)) {
    // /credits answering zeros to a key that has spent money is not believable.
    const zeros = s.totalCredits === 0 && s.totalUsage === 0 && (s.usage ?? 0) > 0;
    if (!zeros) credits = Math.max(0, s.totalCredits - s.totalUsage);
  }
  const keyLeft = s.limit !== null && s.limitRemaining !== null ? Math.max(0, s.limitRemaining) : null;
  const at = Date.parse(s.ts);
  if (credits !== null && (keyLeft === null || credits <= keyLeft)) {
    return { amount: credits, binding: 'credits', keyLimit: s.limit, totalCredits: s.totalCredits, at };
  }
  if (keyLeft !== null) return { amount: keyLeft, binding: 'key-limit', keyLimit: s.limit, totalCredits: s.totalCredits, at };
  return { amount: null, binding: 'none', keyLimit: null, totalCredits: s.totalCredits, at };
}

/**
 * Spend per day over the 7 days before `now`. `ledgerSpend` is the ledger's spend in that
 * window; `snapshots` are the credit snapshots of the window (any order).
 */
export function burnRate(ledgerSpend: number, snapshots: CreditSnapshot[], now: number): Burn {
  const ledgerPerDay = ledgerSpend / BURN_WINDOW_DAYS;
  const account = counterRate(snapshots, now, (s) => s.totalUsage) ?? counterRate(snapshots, now, (s) => s.usage);
  if (account !== null && account > ledgerPerDay) return { perDay: account, source: 'account' };
  return { perDay: ledgerPerDay, source: 'ledger' };
}

/** Growth per day of a usage counter between the first and last snapshot of the window. */
function counterRate(snapshots: CreditSnapshot[], now: number, value: (s: CreditSnapshot) => number | null): number | null {
  const points = snapshots
    .map((s) => ({ t: Date.parse(s.ts), v: value(s) }))
    .filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v) && p.t >= now - BURN_WINDOW_DAYS * DAY_MS && p.t <= now)
    .sort((a, b) => a.t - b.t);
  if (points.length < 2) return null;
  const first = points[0];
  const last = points[points.length - 1];
  const span = last.t - first.t;
  // A counter that went down was reset (a new key, a monthly window): it says nothing here.
  if (span < MIN_SNAPSHOT_SPAN_MS || last.v < first.v) return null;
  return ((last.v - first.v) / span) * DAY_MS;
}

export function runway(balance: Balance | null, burn: Burn, now: number): Runway {
  if (!balance) return { kind: 'unknown' };
  if (balance.amount === null) return { kind: 'no-limit' };
  if (balance.amount <= 0) return { kind: 'exhausted' };
  if (burn.perDay === null) return { kind: 'unknown' };
  if (burn.perDay <= 0) return { kind: 'no-spend' };
  const days = balance.amount / burn.perDay;
  return { kind: 'days', days, until: now + days * DAY_MS };
}

/** Month-to-date spend plus the burn rate over the rest of the month. */
export function projectMonthEnd(monthToDate: number, burn: Burn, now: number, monthEnd: number, budget: number): Projection {
  const remainingDays = Math.max(0, monthEnd - now) / DAY_MS;
  const projected = burn.perDay === null ? null : monthToDate + burn.perDay * remainingDays;
  const budgetSet = budget > 0 ? budget : null;
  return {
    monthToDate,
    projected,
    budget: budgetSet,
    overBudgetBy: projected !== null && budgetSet !== null ? projected - budgetSet : null,
  };
}

/** The balance of a live credit reading (the status bar's spendable figure). */
export function balanceFromReading(reading: { fetchedAt: number; key: KeyInfo; credits: Credits | null }): Balance {
  const s = computeSpendable(reading.key, reading.credits);
  return {
    amount: s.amount,
    binding: s.binding,
    keyLimit: reading.key.limit,
    totalCredits: reading.credits && !s.creditsDiscarded ? reading.credits.totalCredits : null,
    at: reading.fetchedAt,
  };
}
