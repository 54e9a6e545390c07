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

/** Applies the theme's text, grid and font colours to a chart's options (datasets are coloured by their owner). */
export function themeChart(chart: Chart, theme: ThemeColours): void {
  const o = chart.options as Record<string, any>;
  o.color = theme.foreground;
  o.font = { ...(o.font ?? {}), family: theme.font };
  for (const scale of Object.values((o.scales ?? {}) as Record<string, any>)) {
    scale.ticks = { ...(scale.ticks ?? {}), color: theme.muted };
    scale.grid = { ...(scale.grid ?? {}), color: theme.grid };
    if (scale.title) scale.title.color = theme.muted;
  }
  if (o.plugins?.legend) o.plugins.legend.labels = { ...(o.plugins.legend.labels ?? {}), color: theme.foreground };
}

export function createChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>): Chart<T> {
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options ?? {}) } as typeof config.options;
  return new Chart(canvas, config);
}
