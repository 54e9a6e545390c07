/**
 * What the Recent Generations tree shows for ledger rows, as plain data (no `vscode` import):
 * the Today / Yesterday / This week / Older groups in the ledger's time zone, each row's label,
 * description, status icon and full-record tooltip. A cost OpenRouter has not confirmed yet reads
 * "pricing…", an unknown one "cost unknown" — never $0.
 */
import type { StoredGeneration } from '../../ledger/types';
import { localDay, offsetFunction, type OffsetAt, type TimeZoneSpec } from '../../ledger/timeZone';
import { formatUsd } from '../../util/money';
import { plainTranslate, type Translate } from '../../util/l10n';
import { DAY_MS } from '../../util/time';

export type GroupId = 'today' | 'yesterday' | 'week' | 'older';

export interface GenerationGroup {
  id: GroupId;
  rows: StoredGeneration[];
}


export function groupTitle(id: GroupId, t: Translate = plainTranslate): string {
  switch (id) {
    case 'today':
      return t('Today');
    case 'yesterday':
      return t('Yesterday');
    case 'week':
      return t('This week');
    case 'older':
      return t('Older');
  }
}

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Monday of the week containing `day` (weeks run Monday–Sunday, as OpenRouter's weekly counters). */
function mondayOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return shiftDay(day, -((weekday + 6) % 7));
}

/** Which group a local day falls in, seen from `today`. */
export function groupOfDay(day: string, today: string): GroupId {
  if (day >= today) return 'today';
  if (day === shiftDay(today, -1)) return 'yesterday';
  if (day >= mondayOf(today)) return 'week';
  return 'older';
}

/** Splits rows (newest first, as `recent()` returns them) into the non-empty groups, in order. */
export function groupGenerations(rows: readonly StoredGeneration[], now: number, tz: TimeZoneSpec = 'utc', offsetAt: OffsetAt = offsetFunction(tz)): GenerationGroup[] {
  const today = localDay(now, offsetAt);
  const groups = new Map<GroupId, StoredGeneration[]>();
  for (const row of rows) {
    const id = groupOfDay(localDay(Date.parse(row.ts), offsetAt), today);
    let list = groups.get(id);
    if (!list) groups.set(id, (list = []));
    list.push(row);
  }
  return (['today', 'yesterday', 'week', 'older'] as const).filter((id) => groups.has(id)).map((id) => ({ id, rows: groups.get(id) ?? [] }));
}

/** The UTC day of a row (reconciliation works in UTC days, like OpenRouter's /activity). */
export function utcDayOf(row: Pick<StoredGeneration, 'ts'>): string {
  return row.ts.slice(0, 10);
}

export type StatusIcon = 'success' | 'pricing' | 'error' | 'timeout' | 'cancelled' | 'interrupted' | 'pending';

/** The icon for a row: its status, with "pricing" for a success whose exact cost is still awaited. */
export function statusIcon(row: Pick<StoredGeneration, 'status' | 'cost_source' | 'backfill'>): StatusIcon {
  const status = row.status as string;
  switch (status) {
    case 'success':
      return awaitingPrice(row) ? 'pricing' : 'success';
    case 'error':
    case 'timeout':
    case 'cancelled':
    case 'interrupted':
    case 'pending':
      return status;
    default:
      return 'error';
  }
}

function awaitingPrice(row: Pick<StoredGeneration, 'cost_source' | 'backfill'>): boolean {
  return row.cost_source !== 'generation' && row.backfill === 'pending';
}

export function costText(row: Pick<StoredGeneration, 'total_cost' | 'cost_source' | 'backfill'>, t: Translate = plainTranslate): string {
  if (awaitingPrice(row)) return row.total_cost === null ? t('pricing…') : t('pricing… (~{0})', formatUsd(row.total_cost));
  if (row.total_cost === null) return t('cost unknown');
  return row.cost_source === 'estimate' ? t('~{0} (estimate)', formatUsd(row.total_cost)) : formatUsd(row.total_cost);
}

function tokensText(row: StoredGeneration, t: Translate): string | undefined {
  if (row.prompt_tokens === null && row.completion_tokens === null) return undefined;
  return t('{0} tok', ((row.prompt_tokens ?? 0) + (row.completion_tokens ?? 0)).toLocaleString('en-US'));
}

export function latencyText(ms: number | null): string | undefined {
  if (ms === null) return undefined;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function generationLabel(row: StoredGeneration): string {
  return row.model_used ?? row.model_requested;
}

/** e.g. `$0.0012 · 1,234 tok · 1.2 s · 14:03`. */
export function generationDescription(row: StoredGeneration, t: Translate = plainTranslate, tz: TimeZoneSpec = 'utc'): string {
  return [costText(row, t), tokensText(row, t), latencyText(row.latency_ms), timeOfDay(row.ts, tz)].filter(Boolean).join(' · ');
}

function timeOfDay(ts: string, tz: TimeZoneSpec): string {
  const ms = Date.parse(ts);
  const local = new Date(ms + offsetFunction(tz)(ms) * 60_000);
  return local.toISOString().slice(11, 16);
}

/** Plain text (never Markdown): every field of the record, for the hover. */
export function generationTooltip(row: StoredGeneration, t: Translate = plainTranslate): string {
  const lines: Array<[string, string | number | null]> = [
    [t('Generation id'), row.generation_id],
    [t('Time'), row.ts],
    [t('Model requested'), row.model_requested],
    [t('Model used'), row.model_used],
    [t('Provider'), row.provider],
    [t('Status'), row.status],
    [t('Cost'), costText(row, t)],
    [t('Cost source'), row.cost_source],
    [t('Prompt tokens'), row.prompt_tokens],
    [t('Completion tokens'), row.completion_tokens],
    [t('Reasoning tokens'), row.reasoning_tokens],
    [t('Cached tokens'), row.cached_tokens],
    [t('Latency'), latencyText(row.latency_ms) ?? null],
    [t('Time to first token'), latencyText(row.ttft_ms) ?? null],
    [t('Finish reason'), row.finish_reason],
    [t('HTTP status'), row.http_status],
    [t('Error'), row.error_code],
    [t('User'), row.user_id],
    [t('Workspace'), row.workspace],
    [t('Git branch'), row.git_branch],
    [t('Key'), row.key_label],
    [t('Origin'), row.origin],
  ];
  return lines.filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}: ${String(v)}`).join('\n');
}
