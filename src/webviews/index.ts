/** The extension's webviews: the Spend Dashboard panel and the sidebar cost view. */
import type { DisposableLike } from '../util/disposable';
import { CostViewProvider } from './costView/view';
import { DashboardPanels } from './dashboard/panel';
import type { WebviewDeps } from './deps';

export type { WebviewDeps } from './deps';
export { balanceFromReading } from './shared/forecast';

export function registerWebviews(deps: WebviewDeps): DisposableLike[] {
  return [new DashboardPanels(deps), new CostViewProvider(deps)];
}
