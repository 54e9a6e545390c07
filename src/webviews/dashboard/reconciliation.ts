/**
 * The dashboard's reconciliation table: where OpenRouter's `/activity` for the key in use here
 * differs from the ledger, per UTC day and model (the same comparison as "Reconcile Ledger").
 * Shown once reconciliation (or the activity sync) has stored activity rows for the key.
 */
import { compareSpend, scanRows, summarize } from '../../reconcile/reconcile';
import type { DashboardQueries } from './data';
import type { ReconciliationView } from './protocol';

export async function prepareReconciliation(
  q: Pick<DashboardQueries, 'activity' | 'recent'>,
  range: { from: number; to: number },
  keyHash: string | null,
): Promise<ReconciliationView | null> {
  if (!keyHash) return null;
  const days = { from: new Date(range.from).toISOString().slice(0, 10), to: new Date(range.to - 1).toISOString().slice(0, 10) };
  const activity = await q.activity({ from: `${days.from}T00:00:00Z`, to: range.to }, keyHash);
  if (!activity.length) return null;
  const comparisons = compareSpend(await scanRows({ queries: q }, range.from, range.to), activity, days);
  const { outsideTotal, mismatchTotal } = summarize(comparisons);
  return {
    outsideTotal,
    mismatchTotal,
    rows: comparisons.filter((c) => c.kind !== 'match').map((c) => ({
      date: c.date, model: c.model, ledgerCost: c.ledgerCost, openRouterCost: c.openRouterCost, difference: c.difference, kind: c.kind as 'outside' | 'mismatch',
    })),
  };
}
