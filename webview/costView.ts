/**
 * The sidebar cost view's browser side: spendable with a bar, today and month against the
 * budgets (the UTC periods the budgets are enforced on), the last five generations (click →
 * look-up; placed high so they fit a normal sidebar without scrolling), a 14-day sparkline, the
 * runway in words and a button to the dashboard. Live payloads update the text and the sparkline
 * in place. When the figures could not be prepared it says so with a retry, and recovers on the
 * next payload.
 */
import { costPayloadCheck, parseCostHostMessage, type CostViewPayload, type CostWebviewMessage } from '../src/webviews/costView/protocol';
import type { BudgetPeriod } from '../src/webviews/shared/budgetPeriods';
import type { WebviewStrings } from '../src/webviews/shared/strings';
import { createChart, themeChart, type Chart } from './shared/charts';
import { custom, el, initialState, replaceChildren } from './shared/dom';
import { fill, usd } from './shared/format';
import { loadLateScript } from './shared/lateScript';
import { onThemeChange, readTheme } from './shared/theme';
import { vscodeApi } from './shared/vscodeApi';
import { balanceText, boundText, burnText, runwayText } from './shared/words';

const init = initialState<{ strings: WebviewStrings; payload: CostViewPayload | null; error?: string | null }>();
const s = init.strings;
const post = (m: CostWebviewMessage) => vscodeApi.postMessage(m);

const spendable = el('div', { class: 'big', id: 'cost-spendable' });
const bound = el('div', { class: 'muted' });
const bar = el('div', { class: 'bar-fill' });
const barBox = el('div', { class: 'bar', role: 'meter', 'aria-label': s.costViewSpendable, 'aria-valuemin': '0', 'aria-valuemax': '100' }, bar);
const today = el('div', { class: 'line', id: 'cost-today' });
const month = el('div', { class: 'line', id: 'cost-month' });
const runwayLine = el('p', { class: 'runway', id: 'cost-runway' });
const canvas = el('canvas', { role: 'img', 'aria-label': s.costViewLast14, id: 'cost-sparkline' });
const sparkTable = el('details', {});
const recent = el('ol', { class: 'recent', id: 'cost-recent' });
const open = custom('vscode-button', { id: 'open-dashboard' }, s.openDashboard);
open.addEventListener('click', () => post({ type: 'openDashboard' }));

const failureText = el('p', { id: 'cost-error-text' });
const retry = custom('vscode-button', { id: 'cost-retry', appearance: 'secondary' }, s.retry);
retry.addEventListener('click', () => post({ type: 'retry' }));
const failure = el('div', { class: 'notice error', id: 'cost-error', role: 'alert', hidden: '' }, el('strong', {}, s.costViewError), failureText, retry);
// Hidden only while there is nothing to show, so the sparkline is normally built in a visible box.
const figures = el('div', { id: 'cost-figures', hidden: init.payload ? undefined : '' },
  el('section', {}, el('h2', {}, s.costViewSpendable), spendable, barBox, bound),
  el('section', {}, today, month),
  el('section', {}, el('h2', {}, s.costViewRecent), recent),
  el('section', {}, el('h2', {}, s.costViewLast14), el('div', { class: 'spark-box' }, canvas), sparkTable),
  runwayLine,
);

document.getElementById('app')!.append(failure, figures, open);

let theme = readTheme();
const spark: Chart = createChart(canvas, {
  type: 'line',
  data: { labels: [], datasets: [{ data: [], borderColor: theme.series[0], backgroundColor: theme.series[0], pointRadius: 0, fill: false, tension: 0.2 }] },
  options: { plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => usd(c.parsed.y, s.unknown) } } }, scales: { x: { display: false }, y: { display: false, beginAtZero: true } } },
}) as unknown as Chart;
themeChart(spark, theme);
// The embedded first payload is checked like every later message.
const initialProblem = init.payload === null ? null : costPayloadCheck(init.payload, 'initial payload');
if (initialProblem) console.warn(`cost view: ignored a malformed initial payload (${initialProblem})`);
let payload: CostViewPayload | null = initialProblem ? null : init.payload;

/** "≥ $1.20 / $5.00": the figure the budget counts, a lower bound while some costs are unknown. */
function against(period: BudgetPeriod): string {
  const spent = period.uncosted > 0 ? fill(s.atLeast, usd(period.spent, s.unknown)) : usd(period.spent, s.unknown);
  return period.budget === null ? spent : `${spent} / ${usd(period.budget, s.unknown)}`;
}

function budgetLine(row: HTMLElement, label: string, period: BudgetPeriod): void {
  row.title = fill(s.costViewBudgetBasis, usd(period.ledger, s.unknown), usd(period.openRouter, s.unknown));
  replaceChildren(row, el('span', {}, label), el('span', { class: 'num' }, against(period)));
}

function showFailure(message: string): void {
  replaceChildren(failureText, message);
  failure.hidden = false;
}

function age(ts: string): string {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 60_000));
  return minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} d`;
}

function render(p: CostViewPayload): void {
  payload = p;
  failure.hidden = true;
  figures.hidden = false;
  replaceChildren(spendable, balanceText(p.balance, s));
  replaceChildren(bound, boundText(p.balance, s));
  barBox.hidden = p.barFraction === null;
  if (p.barFraction !== null) {
    // A CSS custom property set through the CSSOM, which the CSP allows (no inline style attribute).
    bar.style.setProperty('--fill', `${(p.barFraction * 100).toFixed(1)}%`);
    barBox.setAttribute('aria-valuenow', (p.barFraction * 100).toFixed(0));
  }
  budgetLine(today, s.costViewToday, p.today);
  budgetLine(month, s.costViewMonth, p.month);
  const r = p.runway;
  replaceChildren(runwayLine, r.kind === 'unknown' ? s.costViewRunwayUnknown : r.kind === 'no-limit' ? s.costViewNoLimit : fill(s.costViewRunway, runwayText(r, s)), ' ', el('span', { class: 'muted' }, burnText(p.burn, s)));
  spark.data.labels = p.sparkline.days;
  spark.data.datasets[0].data = p.sparkline.cost;
  spark.update('none');
  replaceChildren(sparkTable, el('summary', {}, s.dataTable), el('table', {}, el('tbody', {}, ...p.sparkline.days.map((d, i) => el('tr', {}, el('th', { scope: 'row' }, d), el('td', { class: 'num' }, usd(p.sparkline.cost[i], s.unknown)))))));
  replaceChildren(recent, ...(p.recent.length ? p.recent.map((g) => {
    const cost = g.cost === null ? s.unknown : g.final ? usd(g.cost, s.unknown) : `${usd(g.cost, s.unknown)} · ${s.pricing}`;
    const body = [el('span', { class: 'model' }, g.model), el('span', { class: 'num' }, cost), el('span', { class: 'muted' }, `${g.status} · ${age(g.ts)}`)];
    if (!g.id) return el('li', {}, ...body);
    const id = g.id;
    const link = el('a', { href: '#', class: 'generation', 'data-generation-id': id, title: fill(s.lookUp, id), 'aria-label': fill(s.lookUp, id) }, ...body);
    link.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'lookupGeneration', id });
    });
    return el('li', {}, link);
  }) : [el('li', { class: 'muted' }, s.costViewNoRecent)]));
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseCostHostMessage(event.data, (reason) => console.warn(`cost view: dropped a malformed message from the host (${reason})`));
  if (!message) return;
  switch (message.type) {
    case 'update':
      render(message.payload);
      break;
    case 'error':
      // Figures already shown stay; a view that has none says why instead of staying blank.
      showFailure(message.message);
      break;
  }
});

onThemeChange((next) => {
  theme = next;
  const ds = spark.data.datasets[0] as { borderColor?: string; backgroundColor?: string };
  ds.borderColor = ds.backgroundColor = theme.series[0];
  themeChart(spark, theme);
  spark.update('none');
});

if (payload) render(payload);
else showFailure(init.error ?? initialProblem ?? s.loading);
post({ type: 'ready' });
// The toolkit's button upgrades after the first frame (webview/toolkit.ts).
requestAnimationFrame(() => loadLateScript('toolkit'));
