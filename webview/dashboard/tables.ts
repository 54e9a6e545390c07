/** The dashboard's tables and the what-if section, as plain accessible tables of text. */
import type { DashboardPayload, TableRow } from '../../src/webviews/dashboard/protocol';
import type { WebviewStrings } from '../../src/webviews/shared/strings';
import { el, replaceChildren, table } from '../shared/dom';
import { count, fill, percent, usd } from '../shared/format';

function rowsTable(caption: string, first: string, rows: TableRow[], s: WebviewStrings, pending = false): HTMLElement {
  const u = s.unknown;
  if (!rows.length) return el('section', { class: 'table-card' }, el('h2', {}, caption), el('p', { class: 'muted' }, pending ? s.loading : s.noData));
  const withShare = rows.some((r) => r.share !== undefined);
  return el('section', { class: 'table-card' }, el('h2', {}, caption), table(caption, [first, s.requests, s.errors, s.tokens, s.cost, ...(withShare ? [s.share] : [])],
    rows.map((r) => [r.label === '' ? s.none : r.label, count(r.requests, u), count(r.errors, u), count(r.tokens, u), usd(r.cost, u), ...(withShare ? [percent(r.share, u)] : [])])));
}

export function renderTables(root: HTMLElement, p: DashboardPayload, s: WebviewStrings): void {
  const t = p.tables;
  replaceChildren(root,
    rowsTable(s.tableModels, s.model, t.models, s),
    p.source === 'account' && rowsTable(s.tableKeys, s.tableKeys, t.keys, s),
    p.source === 'account' && rowsTable(s.tableProviders, s.tableProviders, t.providers, s),
    rowsTable(s.tableUsers, s.tableUsers, t.users, s),
    p.source === 'ledger' && rowsTable(s.tableWorkspaces, s.tableWorkspaces, t.workspaces, s),
    p.source === 'ledger' && rowsTable(s.tableBranches, s.tableBranches, t.branches, s),
    p.source === 'ledger' && rowsTable(s.tableSessions, s.tableSessions, t.sessions, s, p.breakdownsPending),
    p.source === 'ledger' && rowsTable(s.tableTags, s.tableTags, t.tags, s, p.breakdownsPending),
    p.source === 'ledger' && rowsTable(s.tableErrorTypes, s.tableErrorTypes, t.errorTypes, s),
    p.source === 'ledger' && p.reconciliation && reconciliationTable(p, s),
  );
}

/** Day × model cells where OpenRouter's activity for this key differs from the ledger. */
function reconciliationTable(p: DashboardPayload, s: WebviewStrings): HTMLElement {
  const r = p.reconciliation!;
  const u = s.unknown;
  const body = r.rows.length
    ? table(s.tableReconciliation, [s.day, s.model, s.reconcileLedger, s.reconcileOpenRouter, s.reconcileDifference, ''],
      r.rows.map((c) => [c.date, c.model, usd(c.ledgerCost, u), usd(c.openRouterCost, u), usd(c.difference, u), c.kind === 'outside' ? s.reconcileOutside : s.reconcileMismatch]))
    : el('p', { class: 'muted' }, s.reconcileMatch);
  return el('section', { class: 'table-card' }, el('h2', {}, s.tableReconciliation), body,
    r.rows.length ? el('p', { class: 'muted' }, fill(s.reconcileTotals, usd(r.outsideTotal, u), usd(r.mismatchTotal, u))) : null);
}

export function renderWhatIf(root: HTMLElement, p: DashboardPayload, s: WebviewStrings): void {
  const result = p.whatIf.result;
  const u = s.unknown;
  if (!result) {
    replaceChildren(root, el('p', { class: 'muted' }, p.whatIf.targets.length ? s.noData : s.whatIfNoPrices));
    return;
  }
  if (result.unknownReason === 'unlisted' || result.unknownReason === 'router') {
    replaceChildren(root, el('p', { class: 'muted' }, result.unknownReason === 'router' ? s.whatIfRouter : s.whatIfUnlisted));
    return;
  }
  const phrase = (would: number | null, change: number | null) =>
    would === null ? s.whatIfUnknown : fill(s.whatIfWould, usd(would, u), change === null ? u : `${change > 0 ? '+' : change < 0 ? '−' : ''}${percent(Math.abs(change), u)}`);
  const rows = [...result.rows.map((r) => [r.model, usd(r.actual, u), phrase(r.wouldCost, r.change)]), [s.whatIfTotal, usd(result.total.actual, u), phrase(result.total.wouldCost, result.total.change)]];
  replaceChildren(root, table(`${s.whatIfPrompt} ${result.target}`, [s.model, s.actual, s.wouldCost], rows),
    result.sameListedPriceAs && el('p', { class: 'muted', id: 'what-if-floor' }, fill(s.whatIfFloor, result.sameListedPriceAs)));
}
