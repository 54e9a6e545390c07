/**
 * One way to show US dollars everywhere (status bar, tooltips, dashboard, budget messages), so
 * the same amount never reads differently in two places.
 */

/** Below this magnitude nothing meaningful is left to show. */
const SMALLEST_SHOWN = 1e-10;

/**
 * `12.345` → `$12.35`, `1234.5` → `$1,234.50`, `0.0042` → `$0.0042`, `-3` → `-$3.00`.
 * Amounts under one cent keep two significant digits instead of rounding to `$0.00`, because a
 * request costing $0.0004 is not free and the ledger must not say so. `null`, `undefined`,
 * `NaN` and infinities are `unknown`: an unknown amount is never shown as zero.
 */
export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return 'unknown';
  const abs = Math.abs(amount);
  if (abs === 0) return '$0.00';
  const sign = amount < 0 ? '-' : '';
  if (abs < SMALLEST_SHOWN) return amount > 0 ? '<$0.0000000001' : '>-$0.0000000001';
  if (abs < 0.01) return `${sign}$${subCent(abs)}`;
  const [whole, cents] = abs.toFixed(2).split('.');
  return `${sign}$${groupThousands(whole)}.${cents}`;
}

/** Two significant digits, trailing zeros dropped: 0.004 → "0.004", 0.00123 → "0.0012". */
function subCent(abs: number): string {
  const decimals = Math.min(10, 1 - Math.floor(Math.log10(abs)));
  return abs.toFixed(decimals).replace(/0+$/, '');
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Money is kept as whole nano-dollars (1e-9 USD) wherever the ledger stores or adds it, so sums
 * are exact integers and a period emptied by deletions is exactly 0. The rest of the extension
 * and the journals speak USD numbers; these convert at the ledger's edge.
 */
export const NANOS_PER_USD = 1_000_000_000;

/** USD → whole nano-dollars, rounded half away from zero (as SQLite's `round()`); never −0. */
export function toNanos(usd: number): number {
  const n = usd * NANOS_PER_USD;
  const whole = n < 0 ? -Math.round(-n) : Math.round(n);
  return whole === 0 ? 0 : whole;
}

/**
 * Whole nano-dollars → USD: the double nearest the exact decimal, so `String()` of it prints that
 * decimal (for amounts below $9 million, whose nano counts stay within 2^53).
 */
export function nanosToUsd(nanos: number): number {
  return nanos === 0 ? 0 : nanos / NANOS_PER_USD;
}

/** Whole nano-dollars as an exact plain decimal (`1` → `0.000000001`, `-2500000000` → `-2.5`). */
export function nanosToDecimal(nanos: number): string {
  if (!Number.isSafeInteger(nanos)) throw new RangeError(`not a whole number of nano-dollars: ${nanos}`);
  const digits = String(Math.abs(nanos)).padStart(10, '0');
  const whole = digits.slice(0, -9);
  const fraction = digits.slice(-9).replace(/0+$/, '');
  return `${nanos < 0 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
