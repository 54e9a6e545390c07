/** The sidebar cost view's payload from the ledger (vscode-free; every ledger call awaited). */
import type { LedgerQueries } from '../../ledger/queries';
import { localDay, offsetFunction, startOfLocalDay, type TimeZoneSpec } from '../../ledger/timeZone';
import { balanceFromSnapshot, burnRate, runway, BURN_WINDOW_DAYS, type Balance } from '../shared/forecast';
import { addDays } from '../shared/ranges';
import { timeZoneLabel } from '../dashboard/data';
import type { CostViewPayload } from './protocol';
import { budgetPeriods, type KeyReading } from '../shared/budgetPeriods';
import { DAY_MS } from '../../util/time';

export type CostViewQueries = {
  [K in 'summary' | 'dailySeries' | 'creditHistory' | 'recent']: (
    ...args: Parameters<LedgerQueries[K]>
  ) => ReturnType<LedgerQueries[K]> | Promise<ReturnType<LedgerQueries[K]>>;
};

export interface CostViewInput {
  now: number;
  timeZone: TimeZoneSpec;
  budget: { daily: number; monthly: number };
  balance: Balance | null;
  /** The last /key reading: OpenRouter's own day and month counters, which the budgets also count. */
  keyReading?: KeyReading;
}

export const SPARKLINE_DAYS = 14;
export const RECENT_COUNT = 5;

export async function prepareCostView(q: CostViewQueries, input: CostViewInput): Promise<CostViewPayload> {
  const { now, timeZone: tz } = input;
  const offsetAt = offsetFunction(tz);
  const today = localDay(now, offsetAt);
  const end = now + 1;
  const sparkFrom = startOfLocalDay(addDays(today, -(SPARKLINE_DAYS - 1)), offsetAt);
  const burnWindow = { from: now - BURN_WINDOW_DAYS * DAY_MS, to: end };
  const [periods, series, burnSpend, snapshots, history, recent] = await Promise.all([
    // Today and this month as the budgets count them: UTC periods, not the sparkline's local days.
    budgetPeriods(q, now, input.budget, input.keyReading ?? null),
    q.dailySeries({ from: sparkFrom, to: end }, tz),
    q.summary(burnWindow),
    q.creditHistory(burnWindow),
    q.creditHistory({ from: now - 90 * DAY_MS, to: end }),
    q.recent(RECENT_COUNT),
  ]);
  const newest = history.length ? balanceFromSnapshot(history[history.length - 1]) : null;
  const balance = input.balance && (!newest || input.balance.at >= newest.at) ? input.balance : newest;
  const burn = burnRate(burnSpend.cost, snapshots, now);
  return {
    generatedAt: now,
    timeZone: timeZoneLabel(tz),
    balance,
    barFraction: barFraction(balance),
    today: periods.today,
    month: periods.month,
    sparkline: { days: series.map((d) => d.day), cost: series.map((d) => d.cost) },
    burn,
    runway: runway(balance, burn, now),
    recent: recent.map((g) => ({
      id: g.generation_id,
      model: g.model_used ?? g.model_requested,
      cost: g.total_cost,
      // Only a row still waiting for /generation will change; an imported or abandoned one is as good as it gets.
      final: g.backfill !== 'pending',
      status: g.status,
      ts: g.ts,
    })),
  };
}

/** Spendable against the limit it is bound by: the key's limit, or the purchased credits. */
export function barFraction(balance: Balance | null): number | null {
  if (!balance || balance.amount === null) return null;
  const whole = balance.binding === 'key-limit' ? balance.keyLimit : balance.totalCredits;
  if (whole === null || !(whole > 0)) return null;
  return Math.min(1, Math.max(0, balance.amount / whole));
}
