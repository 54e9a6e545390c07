/**
 * The KPI cards: each value is text, and an unknown figure reads "unknown", never $0; a spend
 * with parts of unknown cost reads "≥ $X" with how many requests (or Analytics rows) are missing.
 */
import type { DashboardPayload } from '../../src/webviews/dashboard/protocol';
import type { WebviewStrings } from '../../src/webviews/shared/strings';
import { el, replaceChildren } from '../shared/dom';
import { count, fill, percent, usd } from '../shared/format';
import { balanceText, boundText, burnText, runwayText } from '../shared/words';

function card(id: string, label: string, value: string, detail = ''): HTMLElement {
  return el('div', { class: 'kpi', role: 'group', 'aria-label': label, 'data-kpi': id },
    el('div', { class: 'kpi-label' }, label),
    el('div', { class: 'kpi-value', 'data-value': id }, value),
    el('div', { class: 'kpi-detail' }, detail),
  );
}

export function renderKpis(root: HTMLElement, p: DashboardPayload, s: WebviewStrings): void {
  const k = p.kpis;
  const u = s.unknown;
  const proj = k.projection;
  const budgetDetail = proj.budget === null
    ? s.noBudget
    : proj.overBudgetBy === null
      ? fill(s.budgetOf, usd(proj.budget, u))
      : proj.overBudgetBy > 0
        ? fill(s.overBudget, usd(proj.overBudgetBy, u))
        : fill(s.underBudget, usd(-proj.overBudgetBy, u));
  const spend = k.unknownCost && k.spend !== null ? fill(s.atLeast, usd(k.spend, u)) : usd(k.spend, u);
  const spendDetail = !k.unknownCost ? '' : fill(k.unknownCost.unit === 'rows' ? s.unknownCostRows : s.unknownCostRequests, count(k.unknownCost.count, u));
  replaceChildren(root,
    card('spend', s.kpiSpend, spend, spendDetail),
    card('requests', s.kpiRequests, count(k.requests, u)),
    card('tokens', s.kpiTokens, count(k.tokens, u)),
    card('avgCost', s.kpiAvgCost, usd(k.avgCostPerRequest, u)),
    card('errorRate', s.kpiErrorRate, percent(k.errorRate, u)),
    card('spendable', s.kpiSpendable, balanceText(k.balance, s), boundText(k.balance, s)),
    card('runway', s.kpiRunway, runwayText(k.runway, s), burnText(k.burn, s)),
    card('projection', s.kpiProjection, usd(proj.projected, u), `${fill(s.monthToDate, usd(proj.monthToDate, u))} · ${budgetDetail}`),
  );
}
