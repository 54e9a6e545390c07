/**
 * Today's and this month's spend as the budget enforcement counts it (src/budget/policy.ts and
 * the pre-flight in src/chat/preflight.ts): UTC days and months, like OpenRouter's own
 * `usage_daily` / `usage_monthly`, and the larger of the ledger's figure and OpenRouter's
 * counter. The figure shown next to a budget is therefore the one the budget is enforced on,
 * whatever `ledger.timeZone` the charts use. vscode-free; every ledger call awaited.
 */
import { currentPeriodUsage, utcDayStart, utcMonthStart } from '../../budget/policy';
import type { LedgerQueries } from '../../ledger/queries';
import type { KeyInfo } from '../../openrouter/types';

export interface BudgetPeriod {
  /** What the budget counts: the larger of `ledger` and `openRouter`. */
  spent: number;
  /** The ledger's spend in the UTC period (a lower bound while `uncosted` > 0). */
  ledger: number;
  /** OpenRouter's counter for the key in use, when a reading of this period is known. */
  openRouter: number | null;
  /** Requests of the period possibly billed whose cost is not known yet. */
  uncosted: number;
  /** The limit (USD), or null when it is off. */
  budget: number | null;
}

export type BudgetPeriodQueries = {
  summary: (...args: Parameters<LedgerQueries['summary']>) => ReturnType<LedgerQueries['summary']> | Promise<ReturnType<LedgerQueries['summary']>>;
};

/** The last /key reading and when it was taken (OpenRouter's own daily and monthly counters). */
export type KeyReading = { key: Pick<KeyInfo, 'usageDaily' | 'usageWeekly' | 'usageMonthly'>; fetchedAt: number } | null;

export async function budgetPeriods(
  q: BudgetPeriodQueries,
  now: number,
  budget: { daily: number; monthly: number },
  keyReading: KeyReading,
): Promise<{ today: BudgetPeriod; month: BudgetPeriod; monthEnd: number }> {
  const at = new Date(now);
  const monthStart = utcMonthStart(at);
  const [today, month] = await Promise.all([
    q.summary({ from: utcDayStart(at).getTime(), to: now + 1 }),
    q.summary({ from: monthStart.getTime(), to: now + 1 }),
  ]);
  const usage = keyReading ? currentPeriodUsage(keyReading.key, keyReading.fetchedAt, at) : null;
  const period = (ledger: { cost: number; uncosted?: number }, openRouter: number | null | undefined, limit: number): BudgetPeriod => {
    const counter = openRouter !== null && openRouter !== undefined && Number.isFinite(openRouter) ? openRouter : null;
    return { spent: Math.max(ledger.cost, counter ?? -Infinity), ledger: ledger.cost, openRouter: counter, uncosted: ledger.uncosted ?? 0, budget: limit > 0 ? limit : null };
  };
  return {
    today: period(today, usage?.daily, budget.daily),
    month: period(month, usage?.monthly, budget.monthly),
    monthEnd: Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1),
  };
}
