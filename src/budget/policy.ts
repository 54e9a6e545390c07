/**
 * Budget limits and the decision taken before a request is sent: go ahead, ask the user, or
 * refuse. Limits are in USD; 0 switches a limit off. Days and months are UTC, like OpenRouter's
 * own `usage_daily` / `usage_monthly` counters, so both sides count the same period.
 */
import { plainTranslate, type Translate } from '../util/l10n';
import { formatUsd, toNanos } from '../util/money';
import { DAY_MS } from '../util/time';

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

/**
 * Reads raw setting values (as `WorkspaceConfiguration.get` returns them). A missing value means
 * off without complaint; a bad one (negative, NaN, infinite, not a number) is switched off too,
 * and a problem names the setting and the value so the user can fix it. A bad mode falls back
 * to `warn`, which still asks before any over-limit request.
 */
export function validateBudgetSettings(
  raw: unknown,
  settingPrefix = 'openrouterLedger.budget',
  t: Translate = plainTranslate,
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
      problems.push(badLimitProblem(key, `${settingPrefix}.${key}`, describe(value), t));
    }
  }

  const mode = source.mode;
  if (typeof mode === 'string' && (mode.trim().toLowerCase() === 'warn' || mode.trim().toLowerCase() === 'block')) {
    settings.mode = mode.trim().toLowerCase() as BudgetMode;
  } else if (mode !== undefined && mode !== null) {
    problems.push(t('Setting {0} must be "warn" or "block"; found {1}. Using "warn".', `${settingPrefix}.mode`, describe(mode)));
  }
  return { settings, problems };
}

function badLimitProblem(scope: LimitScope, setting: string, found: string, t: Translate): string {
  switch (scope) {
    case 'daily':
      return t('Setting {0} must be a number of US dollars, 0 or more (0 = off); found {1}. The daily limit is off until this is fixed.', setting, found);
    case 'monthly':
      return t('Setting {0} must be a number of US dollars, 0 or more (0 = off); found {1}. The monthly limit is off until this is fixed.', setting, found);
    case 'perRequest':
      return t('Setting {0} must be a number of US dollars, 0 or more (0 = off); found {1}. The per-request limit is off until this is fixed.', setting, found);
  }
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
  /**
   * Requests this UTC day / month possibly billed whose cost the ledger does not know yet (their
   * spend is missing from `spentTodayUsd` / `spentMonthUsd`, which are then lower bounds).
   */
  uncostedToday?: number;
  uncostedMonth?: number;
  /** The key's own counters from OpenRouter's `/key`, when known. */
  openRouterUsageDaily?: number | null;
  openRouterUsageMonthly?: number | null;
  /** Translates the messages and summary (the host passes `vscode.l10n.t`). */
  t?: Translate;
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
 * True when the sum of `amounts` (USD) is strictly above `limit`, compared as whole nano-dollars
 * — the ledger's own unit — so binary rounding never decides: 0.1 + 0.2 is exactly at a limit of
 * 0.3, and $0.0000001 over a limit is over it.
 */
export function isOver(amounts: number | readonly number[], limit: number): boolean {
  const total = (typeof amounts === 'number' ? [amounts] : amounts).reduce((sum, usd) => sum + toNanos(usd), 0);
  return total > toNanos(limit);
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
 * - So can a period whose spend includes requests of unknown cost (`uncostedToday/Month`): its
 *   spend is only a lower bound, reported the same way ("N requests today have no known cost yet").
 * - Amounts are compared in whole nano-dollars (`isOver`): a request exactly at a limit passes.
 * warn mode turns violations into 'confirm', block mode into 'refuse'.
 */
export function evaluateBudget(input: BudgetInput): BudgetDecision {
  const t = input.t ?? plainTranslate;
  const settings = validateBudgetSettings(input.settings).settings;
  const estimate = input.estimateUsd !== null && Number.isFinite(input.estimateUsd) ? Math.max(0, input.estimateUsd) : null;
  const reason = input.unknownReason ?? t('price unknown');
  const violations: BudgetViolation[] = [];

  if (settings.perRequest > 0) {
    const limit = settings.perRequest;
    if (estimate === null) {
      violations.push({
        scope: 'perRequest',
        limit,
        projected: null,
        message: t('Cannot verify the cost of this request: {0}. Your per-request limit is {1}.', reason, formatUsd(limit)),
      });
    } else if (isOver(estimate, limit)) {
      violations.push({
        scope: 'perRequest',
        limit,
        projected: estimate,
        message: t('This request may cost up to {0}, over your per-request limit of {1}.', formatUsd(estimate), formatUsd(limit)),
      });
    }
  }

  const periods = [
    { scope: 'daily' as const, ledger: input.spentTodayUsd, openRouter: input.openRouterUsageDaily, uncosted: input.uncostedToday },
    { scope: 'monthly' as const, ledger: input.spentMonthUsd, openRouter: input.openRouterUsageMonthly, uncosted: input.uncostedMonth },
  ];
  for (const period of periods) {
    const limit = settings[period.scope];
    if (limit <= 0) continue;
    const spent = periodSpend(period.ledger, period.openRouter);
    const text = periodTexts(period.scope, spent, limit, t);
    const uncosted = typeof period.uncosted === 'number' && period.uncosted > 0 ? Math.floor(period.uncosted) : 0;
    const remaining = () => (isOver(spent.usd, limit) ? text.alreadyOver() : text.leaves(limit - spent.usd));
    if (estimate === null) {
      const message = uncosted ? `${uncostedText(period.scope, uncosted, t)} ${remaining()}` : remaining();
      violations.push({ scope: period.scope, limit, projected: null, message });
      continue;
    }
    const projected = spent.usd + estimate;
    if (estimate > 0 && isOver([spent.usd, estimate], limit)) {
      violations.push({ scope: period.scope, limit, projected, message: text.exceeds(estimate, projected) });
    } else if (estimate > 0 && uncosted) {
      // The spend is a lower bound: like an unknown estimate, the limit cannot be verified.
      violations.push({ scope: period.scope, limit, projected: null, message: `${uncostedText(period.scope, uncosted, t)} ${remaining()}` });
    }
  }

  const verdict = violations.length === 0 ? 'ok' : settings.mode === 'block' ? 'refuse' : 'confirm';
  return { verdict, violations, unknownEstimate: estimate === null, summary: summarize(verdict, violations, estimate, reason, settings, t) };
}

function uncostedText(scope: 'daily' | 'monthly', n: number, t: Translate): string {
  if (scope === 'daily') {
    return n === 1 ? t('1 request today has no known cost yet.') : t('{0} requests today have no known cost yet.', n);
  }
  return n === 1 ? t('1 request this month has no known cost yet.') : t('{0} requests this month have no known cost yet.', n);
}

interface PeriodSpend {
  /** The figure that counts: the larger of the two. */
  usd: number;
  ledger: number;
  /** null when OpenRouter's counter is unknown; then only the ledger counts. */
  openRouter: number | null;
}

/** The stricter (larger) of the ledger's and OpenRouter's spend. */
function periodSpend(ledgerRaw: number, openRouterRaw: number | null | undefined): PeriodSpend {
  const ledger = Number.isFinite(ledgerRaw) && ledgerRaw > 0 ? ledgerRaw : 0;
  const openRouter = typeof openRouterRaw === 'number' && Number.isFinite(openRouterRaw) && openRouterRaw >= 0 ? openRouterRaw : null;
  return { usd: openRouter === null ? ledger : Math.max(ledger, openRouter), ledger, openRouter };
}

interface PeriodTexts {
  alreadyOver(): string;
  leaves(remainingUsd: number): string;
  exceeds(estimateUsd: number, projectedUsd: number): string;
}

/**
 * The three sentences about a period limit. Each is one whole template per period and per
 * source of the spend figure (ledger only, or both with the larger counting), so a translation
 * never has to agree with a phrase built elsewhere.
 */
function periodTexts(scope: 'daily' | 'monthly', spent: PeriodSpend, limit: number, t: Translate): PeriodTexts {
  const [usd, lim] = [formatUsd(spent.usd), formatUsd(limit)];
  if (spent.openRouter === null) {
    return scope === 'daily'
      ? {
          alreadyOver: () => t("Today's spend of {0} is already over your daily limit of {1}.", usd, lim),
          leaves: (rest) => t("Today's spend of {0} leaves {1} of your daily limit of {2}.", usd, formatUsd(rest), lim),
          exceeds: (est, proj) =>
            t("Today's spend of {0} plus this request (up to {1}) comes to {2}, over your daily limit of {3}.", usd, formatUsd(est), formatUsd(proj), lim),
        }
      : {
          alreadyOver: () => t("This month's spend of {0} is already over your monthly limit of {1}.", usd, lim),
          leaves: (rest) => t("This month's spend of {0} leaves {1} of your monthly limit of {2}.", usd, formatUsd(rest), lim),
          exceeds: (est, proj) =>
            t("This month's spend of {0} plus this request (up to {1}) comes to {2}, over your monthly limit of {3}.", usd, formatUsd(est), formatUsd(proj), lim),
        };
  }
  const [openRouter, ledger] = [formatUsd(spent.openRouter), formatUsd(spent.ledger)];
  return scope === 'daily'
    ? {
        alreadyOver: () =>
          t(
            "Today's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) is already over your daily limit of {3}.",
            usd, openRouter, ledger, lim,
          ),
        leaves: (rest) =>
          t(
            "Today's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) leaves {3} of your daily limit of {4}.",
            usd, openRouter, ledger, formatUsd(rest), lim,
          ),
        exceeds: (est, proj) =>
          t(
            "Today's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) plus this request (up to {3}) comes to {4}, over your daily limit of {5}.",
            usd, openRouter, ledger, formatUsd(est), formatUsd(proj), lim,
          ),
      }
    : {
        alreadyOver: () =>
          t(
            "This month's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) is already over your monthly limit of {3}.",
            usd, openRouter, ledger, lim,
          ),
        leaves: (rest) =>
          t(
            "This month's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) leaves {3} of your monthly limit of {4}.",
            usd, openRouter, ledger, formatUsd(rest), lim,
          ),
        exceeds: (est, proj) =>
          t(
            "This month's spend of {0} (OpenRouter reports {1}, this ledger {2}; the larger counts) plus this request (up to {3}) comes to {4}, over your monthly limit of {5}.",
            usd, openRouter, ledger, formatUsd(est), formatUsd(proj), lim,
          ),
      };
}

function summarize(
  verdict: BudgetDecision['verdict'],
  violations: BudgetViolation[],
  estimate: number | null,
  reason: string,
  settings: BudgetSettings,
  t: Translate,
): string {
  if (verdict === 'ok') {
    if (estimate === null) return t('Estimated cost unknown ({0}). No budget limit is set.', reason);
    const anyLimit = LIMIT_KEYS.some((k) => settings[k] > 0);
    return anyLimit ? t('Estimated cost up to {0}; within your budget.', formatUsd(estimate)) : t('Estimated cost up to {0}.', formatUsd(estimate));
  }
  // Known estimates are quoted in each violation; an unknown one is explained once, up front.
  const parts = violations.map((v) => v.message);
  if (estimate === null && !violations.some((v) => v.scope === 'perRequest')) {
    parts.unshift(t('Cannot verify the cost of this request: {0}.', reason));
  }
  const details = parts.join(' ');
  return verdict === 'refuse' ? t('Blocked by your budget. {0}', details) : t('{0} Send anyway?', details);
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

/** Monday 00:00 UTC of the week containing `now`: the start of `usage_weekly`. */
export function utcWeekStart(now: Date): Date {
  const day = utcDayStart(now);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

export interface PeriodUsage {
  daily: number | null;
  weekly: number | null;
  monthly: number | null;
}

/**
 * OpenRouter's `usage_daily` / `usage_weekly` / `usage_monthly` from a `/key` reading taken at
 * `fetchedAt`, as they stand at `now`: a counter read before its current UTC period began
 * describes an earlier period, so it is unknown (null) now, never taken for the current one.
 */
export function currentPeriodUsage(
  key: { usageDaily: number | null; usageWeekly: number | null; usageMonthly: number | null },
  fetchedAt: number,
  now: Date,
): PeriodUsage {
  const since = (start: Date, value: number | null) => (fetchedAt >= start.getTime() ? value : null);
  return {
    daily: since(utcDayStart(now), key.usageDaily),
    weekly: since(utcWeekStart(now), key.usageWeekly),
    monthly: since(utcMonthStart(now), key.usageMonthly),
  };
}

function assertValidDate(d: Date): void {
  if (Number.isNaN(d.getTime())) throw new RangeError('utc period start: invalid date');
}
