/**
 * Validation of the non-request records the ledger keeps: /activity rows and credit readings.
 * Same rule as for requests: reject what cannot be stored faithfully, mask anything key-like.
 */
import { cleanText, LedgerValidationError, parseTimestamp, toIso } from './normalize';
import type { ActivityRecord, CreditSnapshot, CreditSnapshotInput } from './types';

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new LedgerValidationError(`${field} must be a finite number`);
  return value;
}

function optionalNumber(value: unknown, field: string): number | null {
  return value === undefined || value === null ? null : finite(value, field);
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new LedgerValidationError(`${field} must be a string`);
  return cleanText(value);
}

export function normalizeActivity(r: ActivityRecord, keyHash: string | null | undefined): ActivityRecord {
  if (typeof r !== 'object' || r === null) throw new LedgerValidationError('activity row must be an object');
  if (typeof r.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.date)) throw new LedgerValidationError('activity date must be YYYY-MM-DD');
  return {
    date: r.date,
    model: optionalText(r.model, 'model') ?? '',
    modelPermaslug: optionalText(r.modelPermaslug, 'modelPermaslug') ?? optionalText(r.model, 'model') ?? '',
    endpointId: optionalText(r.endpointId, 'endpointId') ?? '',
    providerName: optionalText(r.providerName, 'providerName') ?? '',
    usage: finite(r.usage, 'usage'),
    byokUsageInference: finite(r.byokUsageInference ?? 0, 'byokUsageInference'),
    requests: finite(r.requests, 'requests'),
    promptTokens: finite(r.promptTokens ?? 0, 'promptTokens'),
    completionTokens: finite(r.completionTokens ?? 0, 'completionTokens'),
    reasoningTokens: finite(r.reasoningTokens ?? 0, 'reasoningTokens'),
    workspaceId: optionalText(r.workspaceId, 'workspaceId'),
    keyHash: optionalText(keyHash ?? r.keyHash, 'keyHash') ?? '',
  };
}

export function normalizeCredit(input: CreditSnapshotInput): CreditSnapshot {
  const at = parseTimestamp(input.at);
  if (at === undefined) throw new LedgerValidationError('credit snapshot time must be a date-time');
  const key = input.key ?? null;
  const credits = input.credits ?? null;
  return {
    ts: toIso(at),
    keyLabel: optionalText(input.keyLabel ?? key?.label, 'keyLabel'),
    limit: optionalNumber(key?.limit, 'limit'),
    limitRemaining: optionalNumber(key?.limitRemaining, 'limitRemaining'),
    usage: optionalNumber(key?.usage, 'usage'),
    usageDaily: optionalNumber(key?.usageDaily, 'usageDaily'),
    usageWeekly: optionalNumber(key?.usageWeekly, 'usageWeekly'),
    usageMonthly: optionalNumber(key?.usageMonthly, 'usageMonthly'),
    byokUsage: optionalNumber(key?.byokUsage, 'byokUsage'),
    totalCredits: optionalNumber(credits?.totalCredits, 'totalCredits'),
    totalUsage: optionalNumber(credits?.totalUsage, 'totalUsage'),
  };
}
