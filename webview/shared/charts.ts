/**
 * chart.js, registered selectively: only the controllers, elements, scales and plugins the
 * webviews draw with, so the bundle carries nothing else.
 */
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Filler, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip, type ChartConfiguration, type ChartType,
} from 'chart.js';
import type { ThemeColours } from './theme';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export { Chart };
export type { ChartData } from 'chart.js';

/** Applies the theme's text, grid and font colours to a chart's options (datasets are coloured by their owner). */
export function themeChart(chart: Chart, theme: ThemeColours): void {
  themeOptions(chart.options as Record<string, any>, theme);
}

function themeOptions(o: Record<string, any>, theme: ThemeColours): void {
  o.color = theme.foreground;
  o.font = { ...(o.font ?? {}), family: theme.font };
  for (const scale of Object.values((o.scales ?? {}) as Record<string, any>)) {
    scale.ticks = { ...(scale.ticks ?? {}), color: theme.muted };
    scale.grid = { ...(scale.grid ?? {}), color: theme.grid };
    if (scale.title) scale.title.color = theme.muted;
  }
  if (o.plugins?.legend) o.plugins.legend.labels = { ...(o.plugins.legend.labels ?? {}), color: theme.foreground };
}

/**
 * A chart drawn at once (no animation). Given the theme, its first draw is already themed: a
 * chart built with its data and theme lays out and draws once, not empty first and again on the
 * first update (the dashboard's first paint, issue 8).
 */
export function createChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>, theme?: ThemeColours): Chart<T> {
  const options = { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options ?? {}) } as Record<string, any>;
  if (theme) {
    themeOptions(options, theme);
    // A built chart always has a legend in its resolved options; a config only when it sets one.
    options.plugins = { ...(options.plugins ?? {}), legend: { ...(options.plugins?.legend ?? {}), labels: { ...(options.plugins?.legend?.labels ?? {}), color: theme.foreground } } };
  }
  config.options = options as typeof config.options;
  return new Chart(canvas, config);
}
