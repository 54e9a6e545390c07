/**
 * Copies OpenRouter's `/activity` (the last 30 completed UTC days) into the ledger's
 * `activity_daily`, where it is kept beyond OpenRouter's window: once for the whole account and
 * once for the key in use here (`api_key_hash`), which reconciliation compares with the ledger.
 */
import type { Ledger } from '../ledger';
import type { OpenRouterClient } from '../openrouter/client';
import { DAY_MS } from '../util/time';

export interface ActivitySyncResult {
  accountRows: number;
  keyRows: number;
  /** The key the per-key rows are for; undefined without an API key. */
  keyHash: string | undefined;
  /** First and last UTC day of OpenRouter's window at the time of the sync. */
  window: { from: string; to: string };
}

export const ACTIVITY_WINDOW_DAYS = 30;

/** The 30 completed UTC days before `now` (today excluded), as OpenRouter's /activity covers them. */
export function activityWindow(now: number): { from: string; to: string } {
  const today = Date.parse(new Date(now).toISOString().slice(0, 10));
  return {
    from: new Date(today - ACTIVITY_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10),
    to: new Date(today - DAY_MS).toISOString().slice(0, 10),
  };
}

export async function syncActivity(
  client: Pick<OpenRouterClient, 'getActivity'>,
  ledger: Pick<Ledger, 'upsertActivity'>,
  keyHash: string | undefined,
  options: { account?: boolean; now?: number } = {},
): Promise<ActivitySyncResult> {
  let accountRows = 0;
  if (options.account !== false) accountRows = await ledger.upsertActivity(await client.getActivity());
  let keyRows = 0;
  if (keyHash) {
    const perKey = await client.getActivity({ apiKeyHash: keyHash });
    keyRows = await ledger.upsertActivity(perKey, keyHash);
  }
  return { accountRows, keyRows, keyHash, window: activityWindow(options.now ?? Date.now()) };
}
