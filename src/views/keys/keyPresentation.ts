/**
 * What the Keys tree says about a key, as plain data (no `vscode` import): the order of the list,
 * the one-line description with the spend that matters, the expanded details, the state badges
 * and how much of the limit is left (which picks the icon colour).
 */
import type { ApiKeyRecord, LimitReset } from '../../openrouter/types';
import { formatUsd } from '../../util/money';
import { plainTranslate, type Translate } from '../../util/l10n';

export type RemainingLevel = 'none' | 'ok' | 'low' | 'critical' | 'exhausted';

export interface KeyView {
  record: ApiKeyRecord;
  inUse: boolean;
  expired: boolean;
}

/** Below these shares of the limit left, the icon turns yellow, then red. */
const LOW_SHARE = 0.5;
const CRITICAL_SHARE = 0.2;

export function isExpired(record: ApiKeyRecord, now: number): boolean {
  if (!record.expiresAt) return false;
  const at = Date.parse(record.expiresAt);
  return Number.isFinite(at) && at <= now;
}

/** The key in use here first, then enabled before disabled, then OpenRouter's order (newest first). */
export function keyViews(records: readonly ApiKeyRecord[], inUseHash: string | undefined, now: number): KeyView[] {
  const views = records.map((record, index) => ({ record, index, inUse: record.hash === inUseHash, expired: isExpired(record, now) }));
  views.sort((a, b) => Number(b.inUse) - Number(a.inUse) || Number(a.record.disabled) - Number(b.record.disabled) || a.index - b.index);
  return views.map(({ record, inUse, expired }) => ({ record, inUse, expired }));
}

/** Share of the limit still available, or null when the key has no limit (or OpenRouter did not say). */
export function remainingShare(record: ApiKeyRecord): number | null {
  if (record.limit === null || record.limitRemaining === null) return null;
  if (record.limit <= 0) return 0;
  return Math.max(0, Math.min(1, record.limitRemaining / record.limit));
}

export function remainingLevel(record: ApiKeyRecord): RemainingLevel {
  const share = remainingShare(record);
  if (share === null) return 'none';
  if (share <= 0) return 'exhausted';
  if (share < CRITICAL_SHARE) return 'critical';
  if (share < LOW_SHARE) return 'low';
  return 'ok';
}

function resetName(reset: LimitReset, t: Translate): string {
  switch (reset) {
    case 'daily':
      return t('daily');
    case 'weekly':
      return t('weekly');
    case 'monthly':
      return t('monthly');
    default:
      return t('total');
  }
}

/** The spend counted against the limit's period (today, this week, this month, ever), or this month without a limit. */
function periodSpend(record: ApiKeyRecord, t: Translate): string {
  switch (record.limitReset) {
    case 'daily':
      return t('{0} today', formatUsd(record.usageDaily));
    case 'weekly':
      return t('{0} this week', formatUsd(record.usageWeekly));
    case 'monthly':
      return t('{0} this month', formatUsd(record.usageMonthly));
    default:
      // A limit that never resets counts everything ever spent.
      return record.limit !== null || record.usageMonthly === null ? t('{0} in total', formatUsd(record.usage)) : t('{0} this month', formatUsd(record.usageMonthly));
  }
}

/** e.g. `$3.20 this month · $10.00 weekly limit, $6.80 left`. */
export function keyDescription(view: KeyView, t: Translate = plainTranslate): string {
  const { record } = view;
  const limit =
    record.limit === null
      ? t('no limit')
      : t('{0} {1} limit, {2} left', formatUsd(record.limit), resetName(record.limitReset, t), formatUsd(record.limitRemaining));
  return `${periodSpend(record, t)} · ${limit}`;
}

/** State words shown after the name: in use here, disabled, expired. */
export function keyStates(view: KeyView, t: Translate = plainTranslate): string[] {
  const states: string[] = [];
  if (view.inUse) states.push(t('in use here'));
  if (view.record.disabled) states.push(t('disabled'));
  if (view.expired) states.push(t('expired'));
  return states;
}

export function keyLabel(view: KeyView, t: Translate = plainTranslate): string {
  const states = keyStates(view, t);
  return states.length ? `${view.record.name} (${states.join(', ')})` : view.record.name;
}

export interface DetailRow {
  label: string;
  value: string;
}

const yesNo = (value: boolean, t: Translate) => (value ? t('yes') : t('no'));
const dateOrNone = (iso: string | null, none: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace(/Z$/, ' UTC') : none);

/** The rows shown when a key is expanded. Unknown amounts say "unknown", never $0. */
export function keyDetails(view: KeyView, t: Translate = plainTranslate): DetailRow[] {
  const r = view.record;
  const byok = [r.byokUsageDaily, r.byokUsageWeekly, r.byokUsageMonthly, r.byokUsage].map(formatUsd);
  return [
    { label: t('Key'), value: r.label },
    { label: t('Usage today'), value: formatUsd(r.usageDaily) },
    { label: t('Usage this week'), value: formatUsd(r.usageWeekly) },
    { label: t('Usage this month'), value: formatUsd(r.usageMonthly) },
    { label: t('Usage in total'), value: formatUsd(r.usage) },
    { label: t('BYOK usage (today / week / month / total)'), value: byok.join(' / ') },
    { label: t('Limit'), value: r.limit === null ? t('none') : formatUsd(r.limit) },
    { label: t('Remaining'), value: r.limit === null ? t('no limit') : formatUsd(r.limitRemaining) },
    { label: t('Limit resets'), value: r.limitReset === null ? t('never') : resetName(r.limitReset, t) },
    { label: t('BYOK counts toward the limit'), value: yesNo(r.includeByokInLimit, t) },
    { label: t('Expires'), value: dateOrNone(r.expiresAt, t('never')) + (view.expired ? ` (${t('expired')})` : '') },
    { label: t('Created'), value: dateOrNone(r.createdAt, t('unknown')) },
    { label: t('Updated'), value: dateOrNone(r.updatedAt, t('never')) },
    { label: t('State'), value: keyStates(view, t).join(', ') || t('enabled') },
  ];
}
