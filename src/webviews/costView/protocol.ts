/** Messages of the sidebar cost view (host: src/webviews/costView/view.ts, app: webview/costView.ts). */
import type { Balance, Burn, Runway } from '../shared/forecast';

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
  today: { spent: number; budget: number | null };
  month: { spent: number; budget: number | null };
  sparkline: { days: string[]; cost: number[] };
  burn: Burn;
  runway: Runway;
  recent: RecentGeneration[];
}

export type CostHostMessage = { type: 'update'; payload: CostViewPayload };

export type CostWebviewMessage =
  | { type: 'ready' }
  | { type: 'openDashboard' }
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
    case 'lookupGeneration':
      return typeof m.id === 'string' && GENERATION_ID.test(m.id) ? { type: 'lookupGeneration', id: m.id } : null;
    default:
      return null;
  }
}

export function parseCostHostMessage(v: unknown): CostHostMessage | null {
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  const p = m.payload as Record<string, unknown> | undefined;
  return m.type === 'update' && typeof p === 'object' && p !== null && Array.isArray(p.recent) && typeof p.today === 'object'
    ? { type: 'update', payload: p as unknown as CostViewPayload }
    : null;
}
