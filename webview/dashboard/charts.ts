/**
 * The dashboard's six charts. Built once; every later payload replaces their labels and data in
 * place and redraws with `update('none')` (no animation, no flicker, no rebuilt chart). Each
 * canvas has an aria-label, and each chart a data table with the same numbers.
 */
import { UNAVAILABLE_CHARTS, type DashboardPayload } from '../../src/webviews/dashboard/protocol';
import { OTHER_MODELS } from '../../src/webviews/dashboard/constants';
import type { WebviewStrings } from '../../src/webviews/shared/strings';
import { Chart, createChart, themeChart, type ChartData } from '../shared/charts';
import { el, replaceChildren, table } from '../shared/dom';
import { count, ms, percent, usd } from '../shared/format';
import type { ThemeColours } from '../shared/theme';

type Id = 'daily' | 'share' | 'cumulative' | 'hourly' | 'latency' | 'errors';

interface Slot {
  /** Built by the first payload with its data (one draw, not an empty one first). */
  chart?: Chart;
  build: (data: ChartData) => Chart;
  tableBox: HTMLElement;
  /** Canvas and data table, hidden when the source has no data for the chart at all. */
  body: HTMLElement[];
  /** Says why instead ("not available for the whole account…"). */
  unavailable: HTMLElement;
}

const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);

export class DashboardCharts {
  private readonly slots = new Map<Id, Slot>();
  private theme: ThemeColours;

  constructor(private readonly root: HTMLElement, private readonly s: WebviewStrings, theme: ThemeColours) {
    this.theme = theme;
    const money = { ticks: { callback: (v: unknown) => usd(Number(v), '') } };
    this.add('daily', s.chartDaily, 'bar', { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ...money } } });
    this.add('share', s.chartShare, 'doughnut', { plugins: { legend: { position: 'right' } } });
    this.add('cumulative', s.chartCumulative, 'line', { scales: { x: {}, y: { beginAtZero: true, ...money } } });
    this.add('hourly', s.chartHourly, 'bar', { scales: { x: {}, y: { beginAtZero: true } }, plugins: { legend: { display: false } } });
    this.add('latency', s.chartLatency, 'bar', { scales: { x: {}, y: { beginAtZero: true, ticks: { callback: (v: unknown) => ms(Number(v), '') } } } });
    this.add('errors', s.chartErrors, 'bar', { indexAxis: 'y', scales: { x: { beginAtZero: true, max: 1, ticks: { callback: (v: unknown) => percent(Number(v), '') } }, y: {} }, plugins: { legend: { display: false } } });
  }

  private add(id: Id, title: string, type: 'bar' | 'line' | 'doughnut', options: Record<string, unknown>): void {
    const canvas = el('canvas', { role: 'img', 'aria-label': title, id: `chart-${id}` });
    const tableBox = el('div', { class: 'chart-table' });
    const body = [el('div', { class: 'canvas-box' }, canvas), el('details', {}, el('summary', {}, this.s.dataTable), tableBox)];
    const unavailable = el('p', { class: 'muted chart-unavailable', id: `chart-${id}-unavailable`, hidden: '' });
    this.root.append(el('section', { class: `chart-card chart-${id}` }, el('h2', {}, title), ...body, unavailable));
    const build = (data: ChartData) => createChart(canvas, { type, data: data as never, options: options as never }, this.theme) as unknown as Chart;
    this.slots.set(id, { build, tableBox, body, unavailable });
  }

  private modelName(model: string): string {
    return model === OTHER_MODELS ? this.s.otherModels : model;
  }

  private colour(i: number, model?: string): string {
    return model === OTHER_MODELS ? this.theme.muted : this.theme.series[i % this.theme.series.length];
  }

  /**
   * Puts a payload's figures into the charts and their tables (creating a chart the first time).
   * `only` draws just that chart: the first paint shows the daily chart alone, the rest follow.
   */
  update(p: DashboardPayload, only?: Id): void {
    const s = this.s;
    const u = s.unknown;
    const want = (id: Id) => only === undefined || only === id;
    if (want('daily')) this.set('daily', p.daily.days, p.daily.series.map((series, i) => ({
      label: this.modelName(series.model), data: series.values, backgroundColor: this.colour(i, series.model), stack: 'cost',
    })), table(s.chartDaily, [s.day, ...p.daily.series.map((x) => this.modelName(x.model))],
      p.daily.days.map((d, i) => [d, ...p.daily.series.map((x) => usd(x.values[i], u))])));

    if (want('share')) this.set('share', p.modelShare.map((m) => this.modelName(m.model)), [{
      label: s.cost, data: p.modelShare.map((m) => m.cost), backgroundColor: p.modelShare.map((m, i) => this.colour(i, m.model)), borderColor: this.theme.background,
    }], table(s.chartShare, [s.model, s.cost], p.modelShare.map((m) => [this.modelName(m.model), usd(m.cost, u)])));

    const budget = p.cumulative.budget;
    if (want('cumulative')) this.set('cumulative', p.cumulative.days, [
      { label: s.cumulativeSpend, data: p.cumulative.actual, borderColor: this.colour(0), backgroundColor: this.colour(0), pointRadius: 0, spanGaps: false },
      ...(budget === null ? [] : [{ label: s.budgetLine, data: p.cumulative.days.map(() => budget), borderColor: this.theme.budget, backgroundColor: this.theme.budget, borderDash: [6, 4], pointRadius: 0 }]),
    ], table(s.chartCumulative, [s.day, s.cumulativeSpend], p.cumulative.days.map((d, i) => [d, usd(p.cumulative.actual[i], '')]).filter((r) => r[1] !== '')));

    if (want('hourly')) this.set('hourly', HOURS, [{ label: s.requests, data: p.hourly.requests, backgroundColor: this.colour(0) }],
      table(s.chartHourly, [s.hour, s.requests, s.cost], HOURS.map((h, i) => [h, count(p.hourly.requests[i], u), usd(p.hourly.cost[i], u)])));

    if (want('latency')) this.set('latency', p.latency.map((l) => l.model), (['p50', 'p95', 'p99'] as const).map((k, i) => ({
      label: k, data: p.latency.map((l) => l[k]), backgroundColor: this.colour(i),
    })), table(s.chartLatency, [s.model, 'p50', 'p95', 'p99'], p.latency.map((l) => [l.model, ms(l.p50, u), ms(l.p95, u), ms(l.p99, u)])));

    if (want('errors')) this.set('errors', p.errorRates.map((e) => e.model), [{ label: s.errorRate, data: p.errorRates.map((e) => e.rate), backgroundColor: this.theme.error }],
      table(s.chartErrors, [s.model, s.errorRate, s.errors, s.requests], p.errorRates.map((e) => [e.model, percent(e.rate, u), count(e.errors, u), count(e.requests, u)])));

    for (const id of UNAVAILABLE_CHARTS.filter(want)) {
      const slot = this.slots.get(id)!;
      const reason = p.unavailable[id];
      for (const part of slot.body) part.hidden = reason !== undefined;
      slot.unavailable.hidden = reason === undefined;
      replaceChildren(slot.unavailable, reason ?? '');
    }
  }

  private set(id: Id, labels: string[], datasets: Record<string, unknown>[], dataTable: HTMLTableElement): void {
    const slot = this.slots.get(id)!;
    if (!slot.chart) {
      slot.chart = slot.build({ labels, datasets } as never);
    } else {
      const data = slot.chart.data;
      data.labels = labels;
      // Keep dataset objects that still exist so chart.js updates them instead of re-creating them.
      data.datasets = datasets.map((next, i) => Object.assign(data.datasets[i] ?? {}, next)) as never;
      data.datasets.length = datasets.length;
      slot.chart.update('none');
    }
    replaceChildren(slot.tableBox, dataTable);
  }

  /** Re-colours every chart for a new theme (the caller re-runs update for dataset colours). */
  applyTheme(theme: ThemeColours, p: DashboardPayload): void {
    this.theme = theme;
    for (const { chart } of this.slots.values()) if (chart) themeChart(chart, theme);
    this.update(p);
  }

  /** How many charts have been drawn. */
  get drawn(): number {
    return [...this.slots.values()].filter((slot) => slot.chart).length;
  }
}
