/**
 * Budget limits and the decision taken before a request is sent: go ahead, ask the user, or
 * refuse. Limits are in USD; 0 switches a limit off. Days and months are UTC, like OpenRouter's
 * own `usage_daily` / `usage_monthly` counters, so both sides count the same period.
 */
import { formatUsd } from '../util/money';

export type BudgetMode = 'warn' | 'block';

export interface BudgetSettings {
  daily: number;
  monthly: number;
  perRequest: number;
  mode: BudgetMode;
}

export const BUDGET_OFF: BudgetSettings = { daily: 0, monthly: 0, perRequest: 0, mode: 'warn' };

const LIMIT_KEYS = ['daily', 'monthly', 'perRequest'] as const;
type LimitScope = (typeof LIMIT_KEYS)[number];

const SCOPE_NAME: Record<LimitScope, string> = { daily: 'daily', monthly: 'monthly', perRequest: 'per-request' };

/**
 * Reads raw setting values (as `WorkspaceConfiguration.get` returns them). A missing value means
 * off without complaint; a bad one (negative, NaN, infinite, not a number) is switched off too,
 * and a problem names the setting and the value so the user can fix it. A bad mode falls back
 * to `warn`, which still asks before any over-limit request.
 */
export function validateBudgetSettings(
  raw: unknown,
  settingPrefix = 'openrouterLedger.budget',
): { settings: BudgetSettings; problems: string[] } {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const problems: string[] = [];
  const settings: BudgetSettings = { ...BUDGET_OFF };

  for (const key of LIMIT_KEYS) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      settings[key] = value;
    } else {
      problems.push(
        `Setting ${settingPrefix}.${key} must be a number of US dollars, 0 or more (0 = off); found ${describe(value)}. ` +
          `The ${SCOPE_NAME[key]} limit is off until this is fixed.`,
      );
    }
  }

  const mode = source.mode;
  if (typeof mode === 'string' && (mode.trim().toLowerCase() === 'warn' || mode.trim().toLowerCase() === 'block')) {
    settings.mode = mode.trim().toLowerCase() as BudgetMode;
  } else if (mode !== undefined && mode !== null) {
    problems.push(`Setting ${settingPrefix}.mode must be "warn" or "block"; found ${describe(mode)}. Using "warn".`);
  }
  return { settings, problems };
}

/** A setting value quoted safely: bounded length, no control characters. */
function describe(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, '');
  return clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
}

export interface BudgetInput {
  settings: BudgetSettings;
  /** Upper-bound cost of the request, or null when it cannot be known. */
  estimateUsd: number | null;
  /** Why the estimate is unknown (from `estimateRequestCost`), quoted to the user. */
  unknownReason?: string;
  /** Spend this UTC day / month recorded in the ledger. */
  spentTodayUsd: number;
  spentMonthUsd: number;
  /** The key's own counters from OpenRouter's `/key`, when known. */
  openRouterUsageDaily?: number | null;
  openRouterUsageMonthly?: number | null;
}

export interface BudgetViolation {
  scope: LimitScope;
  limit: number;
  /** Spend including this request (for perRequest: the request alone); null when the estimate is unknown. */
  projected: number | null;
  message: string;
}

export interface BudgetDecision {
  verdict: 'ok' | 'confirm' | 'refuse';
  violations: BudgetViolation[];
  unknownEstimate: boolean;
  summary: string;
}

/**
 * Checks one request against the limits that are on.
 * - A limit is exceeded when the projected spend is strictly above it.
 * - Daily and monthly spend is the LARGER of the ledger's and OpenRouter's figure: the ledger
 *   misses spend from other tools using the key, OpenRouter's counters lag a little; the user
 *   expects the stricter one.
 * - A request known to cost $0 never exceeds anything, even when a period limit is already used up.
 * - An unknown estimate cannot be checked against any limit that is on: each such limit is
 *   reported as a violation with `projected: null`, so block mode refuses and warn mode asks.
 * warn mode turns violations into 'confirm', block mode into 'refuse'.
 */
export function evaluateBudget(input: BudgetInput): BudgetDecision {
  const settings = validateBudgetSettings(input.settings).settings;
  const estimate = input.estimateUsd !== null && Number.isFinite(input.estimateUsd) ? Math.max(0, input.estimateUsd) : null;
  const reason = input.unknownReason ?? 'price unknown';
  const violations: BudgetViolation[] = [];

  if (settings.perRequest > 0) {
    const limit = settings.perRequest;
    if (estimate === null) {
      violations.push({
        scope: 'perRequest',
        limit,
        projected: null,
        message: `Cannot verify the cost of this request: ${reason}. Your per-request limit is ${formatUsd(limit)}.`,
      });
    } else if (estimate > limit) {
      violations.push({
        scope: 'perRequest',
        limit,
        projected: estimate,
        message: `This request may cost up to ${formatUsd(estimate)}, over your per-request limit of ${formatUsd(limit)}.`,
      });
    }
  }

  const periods = [
    { scope: 'daily' as const, label: "Today's", ledger: input.spentTodayUsd, openRouter: input.openRouterUsageDaily },
    { scope: 'monthly' as const, label: "This month's", ledger: input.spentMonthUsd, openRouter: input.openRouterUsageMonthly },
  ];
  for (const period of periods) {
    const limit = settings[period.scope];
    if (limit <= 0) continue;
    const spent = periodSpend(period.label, period.ledger, period.openRouter);
    const name = SCOPE_NAME[period.scope];
    if (estimate === null) {
      const state =
        spent.usd > limit
          ? `${spent.text} is already over your ${name} limit of ${formatUsd(limit)}`
          : `${spent.text} leaves ${formatUsd(limit - spent.usd)} of your ${name} limit of ${formatUsd(limit)}`;
      violations.push({ scope: period.scope, limit, projected: null, message: `${state}.` });
      continue;
    }
    const projected = spent.usd + estimate;
    if (estimate > 0 && projected > limit) {
      violations.push({
        scope: period.scope,
        limit,
        projected,
        message:
          `${spent.text} plus this request (up to ${formatUsd(estimate)}) comes to ${formatUsd(projected)}, ` +
          `over your ${name} limit of ${formatUsd(limit)}.`,
      });
    }
  }

  const verdict = violations.length === 0 ? 'ok' : settings.mode === 'block' ? 'refuse' : 'confirm';
  return { verdict, violations, unknownEstimate: estimate === null, summary: summarize(verdict, violations, estimate, reason, settings) };
}

/** The stricter (larger) of the ledger's and OpenRouter's spend, described for the user. */
function periodSpend(label: string, ledgerRaw: number, openRouterRaw: number | null | undefined): { usd: number; text: string } {
  const ledger = Number.isFinite(ledgerRaw) && ledgerRaw > 0 ? ledgerRaw : 0;
  const openRouter = typeof openRouterRaw === 'number' && Number.isFinite(openRouterRaw) && openRouterRaw >= 0 ? openRouterRaw : null;
  if (openRouter === null) return { usd: ledger, text: `${label} spend of ${formatUsd(ledger)}` };
  const usd = Math.max(ledger, openRouter);
  const text =
    `${label} spend of ${formatUsd(usd)} (OpenRouter reports ${formatUsd(openRouter)}, ` +
    `this ledger ${formatUsd(ledger)}; the larger counts)`;
  return { usd, text };
}

function summarize(
  verdict: BudgetDecision['verdict'],
  violations: BudgetViolation[],
  estimate: number | null,
  reason: string,
  settings: BudgetSettings,
): string {
  if (verdict === 'ok') {
    if (estimate === null) return `Estimated cost unknown (${reason}). No budget limit is set.`;
    const anyLimit = LIMIT_KEYS.some((k) => settings[k] > 0);
    return anyLimit ? `Estimated cost up to ${formatUsd(estimate)}; within your budget.` : `Estimated cost up to ${formatUsd(estimate)}.`;
  }
  // Known estimates are quoted in each violation; an unknown one is explained once, up front.
  const parts = violations.map((v) => v.message);
  if (estimate === null && !violations.some((v) => v.scope === 'perRequest')) {
    parts.unshift(`Cannot verify the cost of this request: ${reason}.`);
  }
  const details = parts.join(' ');
  return verdict === 'refuse' ? `Blocked by your budget. ${details}` : `${details} Send anyway?`;
}

/** Midnight UTC of the day containing `now`: the start of OpenRouter's `usage_daily` period. */
export function utcDayStart(now: Date): Date {
  assertValidDate(now);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Midnight UTC on the 1st of the month containing `now`: the start of `usage_monthly`. */
export function utcMonthStart(now: Date): Date {
  assertValidDate(now);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

function assertValidDate(d: Date): void {
  if (Number.isNaN(d.getTime())) throw new RangeError('utc period start: invalid date');
}
