/**
 * Every question the product asks the ledger, over fixed ranges (no clock), as one JSON-able
 * object: the same list runs on a ledger before and after a schema migration, so their answers
 * can be compared (ledger-migration-v5.test.ts; its fixture was written by the v4 code).
 */
import type { LedgerQueries } from '../../../src/ledger/queries';

const DAY = 86_400_000;
export const ANSWER_START = Date.UTC(2025, 3, 1);
export const ANSWER_DAYS = 20;

export async function ledgerAnswers(q: LedgerQueries, generationIds: string[]): Promise<Record<string, unknown>> {
  const ranges: Record<string, { from: number | null; to: number | null }> = {
    all: { from: null, to: null },
    days: { from: ANSWER_START + 2 * DAY, to: ANSWER_START + 12 * DAY },
    // Partial hours, slots and days at both ends: raw rows and rollups together.
    ragged: { from: ANSWER_START + 3 * DAY + 7 * 60_000 + 123, to: ANSWER_START + 15 * DAY + 13 * 3_600_000 + 41 * 60_000 },
    hour: { from: ANSWER_START + 5 * DAY + 9 * 3_600_000, to: ANSWER_START + 5 * DAY + 10 * 3_600_000 },
  };
  const out: Record<string, unknown> = {};
  for (const [name, range] of Object.entries(ranges)) {
    out[`summary ${name}`] = await q.summary(range);
    out[`byModel ${name}`] = await q.byModel(range);
    out[`byModel histogram ${name}`] = await q.byModel(range, { exactPercentileLimit: 0 });
    out[`byUser ${name}`] = await q.byUser(range);
    out[`byWorkspaceBranch ${name}`] = await q.byWorkspaceBranch(range);
    out[`errors ${name}`] = await q.errors(range);
    out[`bySession ${name}`] = await q.bySession(range);
    out[`byTag ${name}`] = await q.byTag(range);
    out[`uncosted ${name}`] = await q.uncostedCount(range);
    out[`activity ${name}`] = await q.activity(range);
    out[`creditHistory ${name}`] = await q.creditHistory(range);
    out[`modelLatency ${name}`] = await q.modelLatency('m/1', range);
    if (name !== 'all') {
      for (const tz of ['utc', { timeZone: 'Europe/Berlin' }, { timeZone: 'Asia/Kolkata' }] as const) {
        const label = typeof tz === 'string' ? tz : tz.timeZone;
        out[`dailySeries ${name} ${label}`] = await q.dailySeries(range, tz);
        out[`hourlyDistribution ${name} ${label}`] = await q.hourlyDistribution(range, tz);
        out[`dailyByModel ${name} ${label}`] = await q.dailyByModel(range, tz);
      }
    }
  }
  out.recent = await q.recent(1000);
  out['recent page 2'] = await q.recent(7, { ts: new Date(ANSWER_START + 9 * DAY).toISOString(), uid: 'zzzzzzzzzzzzzzzz' });
  out.oldestPending = await q.oldestPending();
  out.byGenerationId = await Promise.all(generationIds.map((id) => q.byGenerationId(id)));
  return out;
}
