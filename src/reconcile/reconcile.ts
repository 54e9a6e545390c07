/**
 * Reconciliation (no `vscode` import). Two steps:
 * 1. rows still priced from the stream's `usage` or an estimate, older than a few minutes, get
 *    OpenRouter's exact figures from `/generation`; those that cannot be priced any more are
 *    listed with the reason, never hidden;
 * 2. per UTC day and model, the ledger's spend for the key in use here is compared with
 *    OpenRouter's `/activity` for that key. A difference above $0.000001 is reported; where
 *    OpenRouter counts more requests and more spend than the ledger, the excess is spend from
 *    outside this extension (other tools sharing the key), otherwise it is a mismatch.
 */
import type { ActivityDay, RangeInput, StoredGeneration } from '../ledger';
import type { GenerationFields } from '../ledger/types';
import type { OpenRouterClient } from '../openrouter/client';
import { fieldsFromGeneration } from '../chat/backfill';
import { formatUsd } from '../util/money';
import { describeError } from '../util/errors';
import { plainTranslate, type Translate } from '../util/l10n';
import { DAY_MS } from '../util/time';

export const DIFFERENCE_TOLERANCE = 0.000001;
/** Rows younger than this are still in the normal backfill's hands. */
export const PRICE_AFTER_MS = 5 * 60 * 1000;
/** At most this many `/generation` requests per run; the rest are listed as not tried. */
export const MAX_PRICING_REQUESTS = 200;
const SCAN_PAGE = 1_000;

type MaybeAsync<T> = T | Promise<T>;

/** What reconciliation needs of the ledger (the worker-backed one, or a local one in tests). */
export interface ReconcileLedger {
  queries: {
    recent(limit?: number, before?: { ts: string; uid: string }): MaybeAsync<StoredGeneration[]>;
    activity(range: RangeInput, keyHash?: string): MaybeAsync<ActivityDay[]>;
  };
  completeFromGeneration(generationId: string, fields: GenerationFields): Promise<boolean>;
}

export type ComparisonKind = 'match' | 'outside' | 'mismatch';

export interface DayModelComparison {
  date: string;
  model: string;
  ledgerCost: number;
  ledgerRequests: number;
  /** Ledger rows of this day and model whose cost is unknown (not counted in ledgerCost). */
  ledgerUnknownCosts: number;
  openRouterCost: number;
  openRouterRequests: number;
  /** OpenRouter minus ledger, USD. */
  difference: number;
  kind: ComparisonKind;
}

export interface UnpricedRow {
  uid: string;
  generationId: string | null;
  ts: string;
  model: string;
  cost: number | null;
  costSource: string;
  reason: string;
}

export interface Reconciliation {
  from: string;
  to: string;
  keyLabel: string;
  comparisons: DayModelComparison[];
  ledgerTotal: number;
  openRouterTotal: number;
  /** Spend OpenRouter counted for the key that this extension did not make. */
  outsideTotal: number;
  /** Sum of |difference| over mismatches. */
  mismatchTotal: number;
  priced: number;
  unpriced: UnpricedRow[];
}

/** Every ledger row with `from <= ts < to` (epoch ms), newest first, read a page at a time. */
export async function scanRows(ledger: Pick<ReconcileLedger, 'queries'>, fromMs: number, toMs: number): Promise<StoredGeneration[]> {
  const out: StoredGeneration[] = [];
  let before: { ts: string; uid: string } | undefined;
  for (;;) {
    const rows: StoredGeneration[] = await ledger.queries.recent(SCAN_PAGE, before);
    for (const row of rows) {
      const at = Date.parse(row.ts);
      if (at < fromMs) return out;
      if (at < toMs) out.push(row);
    }
    if (rows.length < SCAN_PAGE) return out;
    const last = rows[rows.length - 1];
    before = { ts: last.ts, uid: last.uid };
  }
}

const modelOf = (row: StoredGeneration) => row.model_used ?? row.model_requested;

/** Step 1: prices rows still at `usage`/`estimate` from `/generation`; returns how many were priced and the rest with reasons. */
export async function priceRows(
  client: Pick<OpenRouterClient, 'getGeneration'>,
  ledger: Pick<ReconcileLedger, 'completeFromGeneration'>,
  rows: readonly StoredGeneration[],
  now: number,
  options: { maxRequests?: number; signal?: AbortSignal; t?: Translate } = {},
): Promise<{ priced: number; unpriced: UnpricedRow[] }> {
  const max = options.maxRequests ?? MAX_PRICING_REQUESTS;
  const t = options.t ?? plainTranslate;
  const unpriced: UnpricedRow[] = [];
  let priced = 0;
  let requests = 0;
  const candidates = rows.filter((r) => (r.cost_source === 'usage' || r.cost_source === 'estimate') && now - Date.parse(r.ts) >= PRICE_AFTER_MS);
  for (const row of candidates) {
    const base = { uid: row.uid, generationId: row.generation_id, ts: row.ts, model: modelOf(row), cost: row.total_cost, costSource: row.cost_source };
    if (!row.generation_id) {
      unpriced.push({ ...base, reason: t('OpenRouter assigned no generation id') });
      continue;
    }
    if (requests >= max) {
      unpriced.push({ ...base, reason: t('not tried in this run (too many rows); run it again') });
      continue;
    }
    requests++;
    try {
      const record = await client.getGeneration(row.generation_id, { signal: options.signal });
      if (record && (record.totalCost !== null || record.usage !== null)) {
        await ledger.completeFromGeneration(row.generation_id, fieldsFromGeneration(record));
        priced++;
      } else {
        unpriced.push({ ...base, reason: record ? t('OpenRouter’s record has no cost') : t('OpenRouter has no record of it (expired or unknown)') });
      }
    } catch (err) {
      unpriced.push({ ...base, reason: describeError(err, t) });
    }
  }
  return { priced, unpriced };
}

/** Step 2: per UTC day and model, the ledger rows of the key against OpenRouter's activity for it. */
export function compareSpend(rows: readonly StoredGeneration[], activity: readonly ActivityDay[], days: { from: string; to: string }): DayModelComparison[] {
  const cells = new Map<string, DayModelComparison>();
  const cell = (date: string, model: string) => {
    const id = `${date}\u0000${model}`;
    let c = cells.get(id);
    if (!c) {
      cells.set(id, (c = { date, model, ledgerCost: 0, ledgerRequests: 0, ledgerUnknownCosts: 0, openRouterCost: 0, openRouterRequests: 0, difference: 0, kind: 'match' }));
    }
    return c;
  };
  for (const row of rows) {
    const date = row.ts.slice(0, 10);
    // OpenRouter counts only requests it assigned a generation to.
    if (date < days.from || date > days.to || !row.generation_id) continue;
    const c = cell(date, modelOf(row));
    c.ledgerRequests++;
    if (row.total_cost === null) c.ledgerUnknownCosts++;
    else c.ledgerCost += row.total_cost;
  }
  for (const a of activity) {
    if (a.date < days.from || a.date > days.to) continue;
    const c = cell(a.date, a.model);
    c.openRouterCost += a.usage;
    c.openRouterRequests += a.requests;
  }
  const out = [...cells.values()];
  for (const c of out) {
    c.difference = c.openRouterCost - c.ledgerCost;
    c.kind =
      Math.abs(c.difference) <= DIFFERENCE_TOLERANCE
        ? 'match'
        : c.difference > 0 && c.openRouterRequests > c.ledgerRequests
          ? 'outside'
          : 'mismatch';
  }
  return out.sort((a, b) => (a.date === b.date ? a.model.localeCompare(b.model) : a.date < b.date ? 1 : -1));
}

export function summarize(comparisons: DayModelComparison[]): Pick<Reconciliation, 'ledgerTotal' | 'openRouterTotal' | 'outsideTotal' | 'mismatchTotal'> {
  let ledgerTotal = 0;
  let openRouterTotal = 0;
  let outsideTotal = 0;
  let mismatchTotal = 0;
  for (const c of comparisons) {
    ledgerTotal += c.ledgerCost;
    openRouterTotal += c.openRouterCost;
    if (c.kind === 'outside') outsideTotal += c.difference;
    if (c.kind === 'mismatch') mismatchTotal += Math.abs(c.difference);
  }
  return { ledgerTotal, openRouterTotal, outsideTotal, mismatchTotal };
}

/** UTC days with at least one difference, each with a one-line reason (the tree's badge tooltip). */
export function differingDays(comparisons: readonly DayModelComparison[], t: Translate = plainTranslate): Map<string, string> {
  const days = new Map<string, string[]>();
  for (const c of comparisons) {
    if (c.kind === 'match') continue;
    const amount = `${c.difference > 0 ? '+' : '−'}${formatUsd(Math.abs(c.difference))}`;
    const what = c.kind === 'outside' ? t('{0}: OpenRouter {1} (spent outside this extension)', c.model, amount) : t('{0}: OpenRouter {1} (mismatch)', c.model, amount);
    days.set(c.date, [...(days.get(c.date) ?? []), what]);
  }
  return new Map([...days].map(([d, list]) => [d, list.join('; ')]));
}

export interface ReconcileInput {
  client: Pick<OpenRouterClient, 'getGeneration'>;
  ledger: ReconcileLedger;
  /** Masked label of the key in use here, as the ledger's rows carry it. */
  keyLabel: string;
  keyHash: string;
  /** The UTC days to compare (those /activity covers and that were synced). */
  days: { from: string; to: string };
  now?: number;
  maxPricingRequests?: number;
  signal?: AbortSignal;
  t?: Translate;
}

export async function reconcile(input: ReconcileInput): Promise<Reconciliation> {
  const now = input.now ?? Date.now();
  const fromMs = Date.parse(`${input.days.from}T00:00:00Z`);
  const toMs = Date.parse(`${input.days.to}T00:00:00Z`) + DAY_MS;
  // Pricing looks at every row of the period (and up to now): an unpriced row is listed whatever its key.
  const all = await scanRows(input.ledger, fromMs, now + 1);
  const { priced, unpriced } = await priceRows(input.client, input.ledger, all, now, { maxRequests: input.maxPricingRequests, signal: input.signal, t: input.t });
  const rows = priced > 0 ? await scanRows(input.ledger, fromMs, toMs) : all.filter((r) => Date.parse(r.ts) < toMs);
  const mine = rows.filter((r) => r.key_label === input.keyLabel);
  const activity: ActivityDay[] = await input.ledger.queries.activity({ from: fromMs, to: toMs }, input.keyHash);
  const comparisons = compareSpend(mine, activity, input.days);
  return { from: input.days.from, to: input.days.to, keyLabel: input.keyLabel, comparisons, ...summarize(comparisons), priced, unpriced };
}
