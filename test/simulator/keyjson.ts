/** JSON shapes of a key: `/key` (the caller's view) and the management API's key object. */
import { isoMicros } from './ids';
import { AccountState, CREATOR_USER_ID, DEFAULT_WORKSPACE_ID, KeyRecord } from './state';
import { utcDate } from './time';

/** From this much purchased credit the free-model daily limit is 1000 instead of 50. */
export const FREE_TIER_HIGH_CREDITS = 10;

function counters(state: AccountState, record: KeyRecord): Record<string, number | null> {
  const w = state.usageWindows(record);
  const byok = state.byokWindows(record);
  return {
    limit: record.limit,
    limit_remaining: state.limitRemaining(record),
    usage: w.usage,
    usage_daily: w.daily,
    usage_weekly: w.weekly,
    usage_monthly: w.monthly,
    byok_usage: byok.usage,
    byok_usage_daily: byok.daily,
    byok_usage_weekly: byok.weekly,
    byok_usage_monthly: byok.monthly,
  };
}

/** `GET /key` / `GET /auth/key` body. */
export function currentKeyBody(state: AccountState, record: KeyRecord, now: Date): Record<string, unknown> {
  const freeLimit = state.totalCredits >= FREE_TIER_HIGH_CREDITS ? 1000 : 50;
  const freeUsed = state.freeRequestsByDate.get(utcDate(now)) ?? 0;
  return {
    data: {
      label: record.label,
      ...counters(state, record),
      limit_reset: record.limitReset,
      include_byok_in_limit: record.includeByokInLimit,
      is_free_tier: state.totalCredits <= 0,
      is_management_key: record.management,
      is_provisioning_key: record.management,
      creator_user_id: CREATOR_USER_ID,
      expires_at: record.expiresAt,
      free_model_daily_requests: { used: freeUsed, limit: freeLimit, remaining: Math.max(0, freeLimit - freeUsed) },
      rate_limit: { requests: -1, interval: '10s', note: 'This field is deprecated and safe to ignore.' },
    },
  };
}

/** The management API's key object (`/keys`, `/keys/{hash}`). */
export function managedKeyJson(state: AccountState, record: KeyRecord): Record<string, unknown> {
  return {
    hash: record.hash,
    name: record.name,
    label: record.label,
    disabled: record.disabled,
    limit_reset: record.limitReset,
    include_byok_in_limit: record.includeByokInLimit,
    ...counters(state, record),
    created_at: isoMicros(record.createdAt, record.hash),
    updated_at: record.updatedAt ? isoMicros(record.updatedAt, record.hash + 'u') : null,
    expires_at: record.expiresAt,
    creator_user_id: CREATOR_USER_ID,
    workspace_id: DEFAULT_WORKSPACE_ID,
  };
}
