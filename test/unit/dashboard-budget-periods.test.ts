/**
 * "Today / this month against the budget" in the cost view and the dashboard's projection count
 * what the budget enforcement counts (src/budget/policy.ts, src/chat/preflight.ts): UTC days and
 * months, and the larger of the ledger's spend and OpenRouter's own counter — not the calendar
 * of `ledger.timeZone`, which the charts keep. Real ledger in a temp folder; the clock is
 * injected (`now`), and every expected figure is worked out by hand from the rows below.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepareCostView } from '../../src/webviews/costView/data';
import { prepareDashboard } from '../../src/webviews/dashboard/data';
import { keyInfo } from './helpers/fixtures';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const close = (a: number | null | undefined, b: number, message?: string) => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${message ?? ''} expected ${b}, got ${a}`);
};

// 1 February 2025, 03:00 UTC — still 31 January, 19:00, in Los Angeles (UTC−8).
const now = Date.UTC(2025, 1, 1, 3, 0);
const LA = { timeZone: 'America/Los_Angeles' } as const;

describe('budget figures in a time zone behind UTC', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;

  before(async () => {
    dir = tempDir('budget-periods-');
    ledger = await open(dir.dir);
    await ledger.appendGeneration(row({ ts: '2025-01-15T12:00:00Z', totalCost: 4 })); // January everywhere
    await ledger.appendGeneration(row({ ts: '2025-01-31T20:00:00Z', totalCost: 2 })); // UTC 31 Jan; LA today (31 Jan)
    await ledger.appendGeneration(row({ ts: '2025-02-01T01:00:00Z', totalCost: 1 })); // UTC today (1 Feb); LA still 31 Jan
    // Billed (it has an id) but its cost is not known yet: the figures are lower bounds.
    await ledger.appendGeneration(row({ ts: '2025-02-01T02:00:00Z', totalCost: null, costSource: 'estimate' }));
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  it('shows the UTC day and month the budgets are enforced on, not the local ones', async () => {
    const p = await prepareCostView(ledger.queries, { now, timeZone: LA, budget: { daily: 5, monthly: 20 }, balance: null });
    // UTC 1 February so far: the $1 row only (Los Angeles' "today" would be $3, its month $7).
    close(p.today.spent, 1);
    close(p.month.spent, 1);
    assert.equal(p.today.uncosted, 1);
    assert.equal(p.month.uncosted, 1);
    assert.equal(p.today.budget, 5);
    assert.equal(p.month.budget, 20);
    // The sparkline keeps the ledger's calendar: its last day is Los Angeles' today.
    assert.equal(p.sparkline.days.at(-1), '2025-01-31');
  });

  it('counts OpenRouter’s own counter when it is larger, as the budget check does', async () => {
    const reading = { key: keyInfo({ usageDaily: 1.5, usageMonthly: 0.5 }), fetchedAt: now - 60_000 };
    const p = await prepareCostView(ledger.queries, { now, timeZone: LA, budget: { daily: 5, monthly: 20 }, balance: null, keyReading: reading });
    close(p.today.spent, 1.5);
    close(p.today.ledger, 1);
    close(p.today.openRouter, 1.5);
    close(p.month.spent, 1, 'the ledger’s $1 is larger than the counter’s $0.50');
    // A reading from before this UTC day says nothing about it.
    const stale = await prepareCostView(ledger.queries, {
      now, timeZone: LA, budget: { daily: 5, monthly: 20 }, balance: null, keyReading: { key: reading.key, fetchedAt: Date.UTC(2025, 0, 31, 23) },
    });
    assert.equal(stale.today.openRouter, null);
    close(stale.today.spent, 1);
  });

  it('projects the UTC month against the monthly budget, while the cumulative chart keeps the local month', async () => {
    const p = await prepareDashboard(ledger.queries, {
      selection: { preset: '30d' }, source: 'ledger', whatIfTarget: null, now, timeZone: LA,
      budget: { daily: 0, monthly: 20 }, balance: null, catalogue: null,
    });
    close(p.kpis.projection.monthToDate, 1);
    assert.equal(p.kpis.projection.budget, 20);
    assert.equal(p.cumulative.days[0], '2025-01-01');
    assert.equal(p.cumulative.days.length, 31);
    // The range's spend has a request of unknown cost: "≥ $7", not a plain $7.
    close(p.kpis.spend, 7);
    assert.deepEqual(p.kpis.unknownCost, { count: 1, unit: 'requests' });
  });
});
