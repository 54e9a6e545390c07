/** Messages of the sidebar cost view (host: src/webviews/costView/view.ts, app: webview/costView.ts). */
import type { Balance, Burn, Runway } from '../shared/forecast';
import type { BudgetPeriod } from '../shared/budgetPeriods';
import { balanceCheck, burnCheck, runwayCheck } from '../shared/forecastChecks';
import { arrayOf, bool, finite, finiteOrNull, nullable, parseChecked, shape, tagged, text, type Check } from '../shared/validate';

export const COST_VIEW_ID = 'openrouterLedger.cost';

export interface RecentGeneration {
  /** OpenRouter's id; null for a request that failed before it got one (not clickable). */
  id: string | null;
  model: string;
  /** USD, null when unknown. */
  cost: number | null;
  /** False while OpenRouter's exact figure from /generation is still awaited ("pricing…"). */
  final: boolean;
  status: string;
  ts: string;
}

export interface CostViewPayload {
  generatedAt: number;
  timeZone: string;
  balance: Balance | null;
  /** Spendable as a fraction of the bound it is measured against (key limit or purchased credits), or null. */
  barFraction: number | null;
  /** The UTC day and month the budgets are enforced on (not `timeZone`'s, which the sparkline uses). */
  today: BudgetPeriod;
  month: BudgetPeriod;
  sparkline: { days: string[]; cost: number[] };
  burn: Burn;
  runway: Runway;
  recent: RecentGeneration[];
}

export type CostHostMessage =
  | { type: 'update'; payload: CostViewPayload }
  /** The figures could not be prepared (the ledger did not open…): said, with a retry. */
  | { type: 'error'; message: string };

export type CostWebviewMessage =
  | { type: 'ready' }
  | { type: 'openDashboard' }
  | { type: 'retry' }
  | { type: 'lookupGeneration'; id: string };

const GENERATION_ID = /^[\w.:-]{1,200}$/;

export function parseCostWebviewMessage(v: unknown): CostWebviewMessage | null {
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openDashboard':
      return { type: 'openDashboard' };
    case 'retry':
      return { type: 'retry' };
    case 'lookupGeneration':
      return typeof m.id === 'string' && GENERATION_ID.test(m.id) ? { type: 'lookupGeneration', id: m.id } : null;
    default:
      return null;
  }
}

const budgetPeriodCheck = shape({ spent: finite, ledger: finite, openRouter: finiteOrNull, uncosted: finite, budget: finiteOrNull });

/** Every field the cost view renders (shared with the host's tests). */
export const costPayloadCheck: Check = (v, p) => shape({
  generatedAt: finite,
  timeZone: text,
  balance: balanceCheck,
  barFraction: finiteOrNull,
  today: budgetPeriodCheck,
  month: budgetPeriodCheck,
  sparkline: shape({ days: arrayOf(text, 366), cost: arrayOf(finite, 366) }),
  burn: burnCheck,
  runway: runwayCheck,
  recent: arrayOf(shape({ id: nullable(text), model: text, cost: finiteOrNull, final: bool, status: text, ts: text }), 50),
})(v, p) ?? ((v as CostViewPayload).sparkline.days.length === (v as CostViewPayload).sparkline.cost.length ? null : `${p}.sparkline.cost: not one value per day`);

const costHostMessageCheck = tagged('type', { update: { payload: costPayloadCheck }, error: { message: text } });

/** A message from the host, or null when any field the view renders is malformed (`onInvalid` hears why). */
export function parseCostHostMessage(v: unknown, onInvalid?: (reason: string) => void): CostHostMessage | null {
  return parseChecked<CostHostMessage>(costHostMessageCheck, v, onInvalid);
}
