/** The range a user picks on the dashboard (shared with the browser, so it imports nothing). */
export const RANGE_PRESETS = ['24h', '7d', '30d', '90d', 'month', 'custom'] as const;
export type RangePresetId = (typeof RANGE_PRESETS)[number];

export interface RangeSelection {
  preset: RangePresetId;
  /** Custom ranges only: first and last local day included, `YYYY-MM-DD`. */
  fromDay?: string;
  toDay?: string;
}
