import type { KeyInfo } from '../../../src/openrouter/types';

/** A /key reading as the client returns it, with overrides for the case under test. */
export function keyInfo(overrides: Partial<KeyInfo> = {}): KeyInfo {
  return {
    label: 'sk-or-v1-0e6...1c96',
    limit: null,
    limitRemaining: null,
    limitReset: null,
    includeByokInLimit: false,
    usage: 3.5,
    usageDaily: 0.25,
    usageWeekly: 1.5,
    usageMonthly: 3.5,
    byokUsage: 0,
    byokUsageDaily: 0,
    byokUsageWeekly: 0,
    byokUsageMonthly: 0,
    isFreeTier: false,
    isManagementKey: false,
    creatorUserId: null,
    expiresAt: null,
    freeModelDailyRequests: null,
    ...overrides,
  };
}
