/**
 * The Spend Dashboard's browser side. The first paint comes from the state embedded in the
 * HTML; later payloads (a new range, a logged completion, a credit poll) update the KPI text,
 * the tables and the existing charts in place. The view state survives reloads via setState.
 */
import { bootMarks, mark } from './shared/bootTimeline';
import { EXPORT_FORMATS, parseHostMessage, parseViewState, type DashboardPayload, type DashboardViewState, type DataSource, type WebviewMessage } from '../src/webviews/dashboard/protocol';
import { RANGE_PRESETS, type RangePresetId } from '../src/webviews/shared/rangeSelection';
import type { WebviewStrings } from '../src/webviews/shared/strings';
import { dashboardPayloadCheck } from '../src/webviews/dashboard/payloadCheck';
import { DashboardCharts } from './dashboard/charts';
import { renderKpis } from './dashboard/kpis';
import { renderTables, renderWhatIf } from './dashboard/tables';
import { custom, el, initialState, replaceChildren } from './shared/dom';
import { fill } from './shared/format';
import { loadLateScript } from './shared/lateScript';
import { onThemeChange, readTheme } from './shared/theme';
import { vscodeApi } from './shared/vscodeApi';

mark('modulesEvaluated');

interface Initial {
  strings: WebviewStrings;
  viewState: DashboardViewState;
  payload: DashboardPayload | null;
  error: string | null;
}

const init = initialState<Initial>();
const s = init.strings;
// A webview rebuilt after being hidden keeps what the user chose last, not the first HTML's state.
let viewState: DashboardViewState = parseViewState(vscodeApi.getState()) ?? init.viewState;
// The embedded first payload is checked like every later message.
const initialProblem = init.payload === null ? null : dashboardPayloadCheck(init.payload, 'initial payload');
if (initialProblem) console.warn(`dashboard: ignored a malformed initial payload (${initialProblem})`);
let payload: DashboardPayload | null = initialProblem ? null : init.payload;

const post = (m: WebviewMessage) => vscodeApi.postMessage(m);
const save = () => vscodeApi.setState(viewState);

const PRESET_LABELS: Record<RangePresetId, string> = {
  '24h': s.range24h, '7d': s.range7d, '30d': s.range30d, '90d': s.range90d, month: s.rangeMonth, custom: s.rangeCustom,
};

function dropdown(id: string, label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const select = custom('vscode-dropdown', { id, 'aria-label': label },
    ...options.map(([v, text]) => custom('vscode-option', { value: v, selected: v === value ? '' : undefined }, text)));
  select.addEventListener('change', () => onChange((select as HTMLSelectElement).value));
  return el('label', { class: 'control' }, el('span', {}, label), select);
}

const fromInput = el('input', { type: 'date', id: 'custom-from', 'aria-label': s.from, value: viewState.selection.fromDay });
const toInput = el('input', { type: 'date', id: 'custom-to', 'aria-label': s.to, value: viewState.selection.toDay });
const applyCustom = custom('vscode-button', { id: 'custom-apply', appearance: 'secondary' }, s.apply);
const customBox = el('span', { class: 'custom-range', hidden: viewState.selection.preset === 'custom' ? undefined : '' },
  el('label', {}, s.from, ' ', fromInput), el('label', {}, s.to, ' ', toInput), applyCustom);

function setSelection(selection: DashboardViewState['selection']): void {
  viewState = { ...viewState, selection };
  save();
  post({ type: 'setRange', selection });
}

applyCustom.addEventListener('click', () => {
  if (fromInput.value && toInput.value) setSelection({ preset: 'custom', fromDay: fromInput.value, toDay: toInput.value });
});

const rangeControl = dropdown('range', s.range, RANGE_PRESETS.map((p) => [p, PRESET_LABELS[p]]), viewState.selection.preset, (v) => {
  const preset = v as RangePresetId;
  customBox.hidden = preset !== 'custom';
  if (preset !== 'custom') setSelection({ preset });
});
const sourceControl = dropdown('source', s.source, [['ledger', s.sourceLedger], ['account', s.sourceAccount]], viewState.source, (v) => {
  viewState = { ...viewState, source: v as DataSource };
  save();
  post({ type: 'setSource', source: viewState.source });
});
const exportButtons = EXPORT_FORMATS.map((format) => {
  const b = custom('vscode-button', { appearance: 'secondary', 'data-export': format }, { csv: s.exportCsv, json: s.exportJson, jsonl: s.exportJsonl, markdown: s.exportMarkdown }[format]);
  b.addEventListener('click', () => post({ type: 'export', format }));
  return b;
});

const notices = el('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
const rangeNote = el('div', { class: 'muted range-note' });
const kpis = el('div', { class: 'kpis', id: 'kpis' });
const chartsRoot = el('div', { class: 'charts', id: 'charts' });
const whatIfSelect = el('div', { class: 'what-if-controls' });
const whatIfBox = el('div', { class: 'what-if', id: 'what-if' });
const tables = el('div', { class: 'tables', id: 'tables' });

document.getElementById('app')!.append(
  el('header', { class: 'toolbar' },
    el('h1', {}, s.dashboardTitle),
    rangeControl, customBox, sourceControl,
    el('span', { class: 'export', role: 'group', 'aria-label': s.export }, el('span', {}, s.export), ...exportButtons),
  ),
  rangeNote, notices, kpis, chartsRoot,
  el('section', { class: 'table-card what-if-card' }, el('h2', {}, s.whatIf), whatIfSelect, whatIfBox),
  tables,
);

const charts = new DashboardCharts(chartsRoot, s, readTheme());
let whatIfTargets = '';

/** `first`: the first paint, which draws the daily chart only (the others follow a frame later). */
function render(p: DashboardPayload, first = false): void {
  payload = p;
  replaceChildren(rangeNote, `${p.range.firstDay} – ${p.range.lastDay} · ${fill(s.timeZoneNote, p.range.timeZone)}`);
  replaceChildren(notices, ...p.notices.map((n) => el('p', { class: 'notice' }, n)));
  renderKpis(kpis, p, s);
  charts.update(p, first ? 'daily' : undefined);
  if (first) return;
  renderTables(tables, p, s);
  // The target list changes rarely; rebuilding the dropdown would steal focus on every update.
  const targets = JSON.stringify(p.whatIf.targets);
  if (targets !== whatIfTargets) {
    whatIfTargets = targets;
    const current = p.whatIf.result?.target ?? '';
    replaceChildren(whatIfSelect, dropdown('what-if-target', s.whatIfPrompt, p.whatIf.targets.flatMap((t) => [[t, t], [`${t}:floor`, `${t}:floor`]] as [string, string][]), current, (v) => {
      viewState = { ...viewState, whatIfTarget: v };
      save();
      post({ type: 'setWhatIfTarget', model: v });
    }));
  }
  renderWhatIf(whatIfBox, p, s);
}

function showError(message: string): void {
  replaceChildren(notices, el('p', { class: 'notice error' }, message));
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data, (reason) => console.warn(`dashboard: dropped a malformed message from the host (${reason})`));
  if (!message) return;
  switch (message.type) {
    case 'update':
      render(message.payload);
      break;
    case 'breakdowns':
      if (payload && payload.generatedAt === message.generatedAt) {
        payload = { ...payload, breakdownsPending: false, reconciliation: message.reconciliation, tables: { ...payload.tables, sessions: message.sessions, tags: message.tags } };
        renderTables(tables, payload, s);
      }
      break;
    case 'error':
      showError(message.message);
      break;
  }
});

onThemeChange((theme) => {
  if (payload) charts.applyTheme(theme, payload);
});

save();
if (payload) render(payload, true);
if (init.error) showError(init.error);
mark('firstChartDrawn');
requestAnimationFrame(() => {
  mark('frame');
  post({ type: 'painted', charts: charts.drawn, marks: bootMarks('dashboard.js') });
  // In a task of its own, so the message above leaves before the other charts are drawn.
  setTimeout(() => {
    if (payload) render(payload);
  });
  // The toolkit's controls load after the first paint: the figures show first, the
  // already-placed <vscode-*> elements upgrade a moment later.
  loadLateScript('toolkit');
});
post({ type: 'ready' });
