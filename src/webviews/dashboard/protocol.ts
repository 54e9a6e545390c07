/**
 * The dashboard's messages, imported by the host (src/webviews/dashboard/panel.ts) and the
 * browser app (webview/dashboard.ts). The host sends prepared aggregates only — never raw
 * ledger rows or keys. Both sides validate what they receive and drop anything else.
 */
import { RANGE_PRESETS, type RangeSelection } from '../shared/rangeSelection';
import type { Balance, Burn, Projection, Runway } from '../shared/forecast';
import type { WhatIfResult } from './whatIf';
import { hostMessageCheck } from './payloadCheck';
import { parseChecked } from '../shared/validate';

export const DASHBOARD_VIEW_TYPE = 'openrouterLedger.dashboard';

export type DataSource = 'ledger' | 'account';
export const EXPORT_FORMATS = ['csv', 'json', 'jsonl', 'markdown'] as const;
export type ExportFormatId = (typeof EXPORT_FORMATS)[number];

/** What the webview keeps across reloads (getState/setState) and the serializer restores. */
export interface DashboardViewState {
  selection: RangeSelection;
  source: DataSource;
  whatIfTarget: string | null;
}

export interface Kpis {
  /** null = unknown (e.g. the account source without any figure for the range). */
  spend: number | null;
  /**
   * `spend` is a lower bound: this many requests have no known cost yet (ledger), or this many
   * Analytics rows had an amount that could not be read (account). null when every cost is known.
   */
  unknownCost: { count: number; unit: 'requests' | 'rows' } | null;
  requests: number | null;
  tokens: number | null;
  avgCostPerRequest: number | null;
  errorRate: number | null;
  balance: Balance | null;
  burn: Burn;
  runway: Runway;
  projection: Projection;
}

export interface TableRow {
  /** Label cells first (model, user, branch…); rendered as text. */
  label: string;
  secondary?: string;
  requests: number | null;
  errors: number | null;
  tokens: number | null;
  cost: number | null;
  share?: number | null;
}

/** Where OpenRouter's activity for the key in use differs from the ledger (non-matching day × model cells). */
export interface ReconciliationView {
  rows: { date: string; model: string; ledgerCost: number; openRouterCost: number; difference: number; kind: 'outside' | 'mismatch' }[];
  outsideTotal: number;
  mismatchTotal: number;
}

export interface DashboardPayload {
  generatedAt: number;
  source: DataSource;
  /** Why the chosen source has less to show (no management key, Analytics unavailable…), as text. */
  notices: string[];
  /** The session and tag tables follow in a `breakdowns` message. */
  breakdownsPending: boolean;
  range: { selection: RangeSelection; from: number; to: number; firstDay: string; lastDay: string; timeZone: string };
  kpis: Kpis;
  daily: { days: string[]; series: { model: string; values: number[] }[] };
  modelShare: { model: string; cost: number }[];
  cumulative: { days: string[]; actual: (number | null)[]; budget: number | null };
  hourly: { requests: number[]; cost: number[] };
  latency: { model: string; p50: number; p95: number; p99: number; method: 'exact' | 'histogram' }[];
  errorRates: { model: string; rate: number; errors: number; requests: number }[];
  /** Charts the source cannot fill, with the sentence shown instead of an empty chart. */
  unavailable: Partial<Record<UnavailableChart, string>>;
  tables: {
    models: TableRow[];
    users: TableRow[];
    workspaces: TableRow[];
    branches: TableRow[];
    sessions: TableRow[];
    tags: TableRow[];
    errorTypes: TableRow[];
    /** Account source: spend by API key / provider / app from OpenRouter's Analytics API. */
    keys: TableRow[];
    providers: TableRow[];
  };
  whatIf: { targets: string[]; result: WhatIfResult | null };
  /** null: reconciliation has not run for this key and range (or it is still being read). */
  reconciliation: ReconciliationView | null;
}

export const UNAVAILABLE_CHARTS = ['hourly', 'latency', 'errors'] as const;
export type UnavailableChart = (typeof UNAVAILABLE_CHARTS)[number];

export type HostMessage =
  | { type: 'update'; payload: DashboardPayload }
  | { type: 'breakdowns'; generatedAt: number; sessions: TableRow[]; tags: TableRow[]; reconciliation: ReconciliationView | null }
  | { type: 'error'; message: string };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'setRange'; selection: RangeSelection }
  | { type: 'setSource'; source: DataSource }
  | { type: 'setWhatIfTarget'; model: string | null }
  | { type: 'export'; format: ExportFormatId }
  | { type: 'painted'; charts: number; marks?: PaintMarks };

/** The first paint's timeline (webview/shared/bootTimeline.ts): mark name → wall-clock ms. */
export type PaintMarks = Record<string, number>;

function parsePaintMarks(v: unknown): PaintMarks | null {
  if (!isObject(v)) return null;
  const entries = Object.entries(v);
  if (entries.length > 12 || !entries.every(([k, t]) => /^[a-zA-Z]{1,24}$/.test(k) && typeof t === 'number' && Number.isFinite(t))) return null;
  return Object.fromEntries(entries) as PaintMarks;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day (no 2025-02-30), so a bad date is refused here rather than deep in the range maths. */
const isCalendarDay = (d: unknown): d is string => typeof d === 'string' && DAY.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

export function parseSelection(v: unknown): RangeSelection | null {
  if (!isObject(v) || !(RANGE_PRESETS as readonly unknown[]).includes(v.preset)) return null;
  const selection: RangeSelection = { preset: v.preset as RangeSelection['preset'] };
  if (v.preset === 'custom') {
    if (!isCalendarDay(v.fromDay) || !isCalendarDay(v.toDay)) return null;
    selection.fromDay = v.fromDay;
    selection.toDay = v.toDay;
  }
  return selection;
}

export function parseViewState(v: unknown): DashboardViewState | null {
  if (!isObject(v)) return null;
  const selection = parseSelection(v.selection);
  const source = v.source === 'ledger' || v.source === 'account' ? v.source : null;
  const target = v.whatIfTarget === null || (typeof v.whatIfTarget === 'string' && v.whatIfTarget.length <= 200) ? v.whatIfTarget : undefined;
  if (!selection || !source || target === undefined) return null;
  return { selection, source, whatIfTarget: target };
}

/** A message from the webview, or null when it is unknown or malformed. */
export function parseWebviewMessage(v: unknown): WebviewMessage | null {
  if (!isObject(v) || typeof v.type !== 'string') return null;
  switch (v.type) {
    case 'ready':
      return { type: 'ready' };
    case 'setRange': {
      const selection = parseSelection(v.selection);
      return selection ? { type: 'setRange', selection } : null;
    }
    case 'setSource':
      return v.source === 'ledger' || v.source === 'account' ? { type: 'setSource', source: v.source } : null;
    case 'setWhatIfTarget':
      return v.model === null || (typeof v.model === 'string' && v.model.length > 0 && v.model.length <= 200)
        ? { type: 'setWhatIfTarget', model: v.model as string | null }
        : null;
    case 'export':
      return (EXPORT_FORMATS as readonly unknown[]).includes(v.format) ? { type: 'export', format: v.format as ExportFormatId } : null;
    case 'painted': {
      if (typeof v.charts !== 'number' || !Number.isInteger(v.charts) || v.charts < 0) return null;
      if (v.marks === undefined) return { type: 'painted', charts: v.charts };
      const marks = parsePaintMarks(v.marks);
      return marks ? { type: 'painted', charts: v.charts, marks } : null;
    }
    default:
      return null;
  }
}

/**
 * A message from the host, or null when any field the app renders is missing or malformed (the
 * whole payload is checked, deeply: payloadCheck.ts). `onInvalid` hears why, for the log.
 */
export function parseHostMessage(v: unknown, onInvalid?: (reason: string) => void): HostMessage | null {
  return parseChecked<HostMessage>(hostMessageCheck, v, onInvalid);
}
