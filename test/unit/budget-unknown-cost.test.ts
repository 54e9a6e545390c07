/**
 * Spend the ledger cannot price is not free: requests with no known cost make the period's spend
 * a lower bound, which the budget treats like an unknown estimate; limits compare in
 * nano-dollars. The counts come from a real sql.js ledger in a temp folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateBudget, type BudgetSettings } from '../../src/budget/policy';
import { preflight } from '../../src/chat/preflight';
import { BUDGET_OFF } from '../../src/budget/policy';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const settings = (s: Partial<BudgetSettings>): BudgetSettings => ({ ...BUDGET_OFF, ...s });

test('summary and budgetTotals count requests possibly billed with no known cost; errors before any id are not among them', async () => {
  const t = tempDir('budget-uncosted-');
  const l = await open(t.dir);
  try {
    const now = Date.now();
    await l.appendGeneration(row({ ts: now - 5000, totalCost: 0.25 }));
    await l.appendGeneration(row({ ts: now - 4000, totalCost: null, costSource: 'estimate', status: 'success' }));
    await l.appendGeneration(row({ ts: now - 3000, generationId: null, totalCost: null, costSource: 'estimate', status: 'pending' }));
    await l.appendGeneration(row({ ts: now - 2000, totalCost: null, costSource: 'estimate', status: 'error' }));
    await l.appendGeneration(row({ ts: now - 1000, generationId: null, totalCost: null, costSource: 'estimate', status: 'error' }));
    const s = l.queries.summary({ from: now - 60_000, to: now + 1 });
    assert.equal(s.cost, 0.25);
    assert.equal(s.uncosted, 3, 'success and pending without a cost, and an error with a generation id');
    assert.equal(l.queries.budgetTotals().today.uncosted, 3);
    assert.equal(l.queries.budgetTotals().todayViaExtension.uncosted, 3);
    assert.equal(l.queries.uncostedCount({ from: now - 3500, to: now + 1 }), 2);
  } finally {
    await l.close();
    t.cleanup();
  }
});

test('a daily limit with requests of unknown cost today asks (warn) or refuses (block), naming how many', () => {
  const base = { estimateUsd: 0.01, spentTodayUsd: 1, spentMonthUsd: 1, uncostedToday: 2, uncostedMonth: 2 };
  const warn = evaluateBudget({ ...base, settings: settings({ daily: 5 }) });
  assert.equal(warn.verdict, 'confirm');
  assert.match(warn.summary, /2 requests today have no known cost yet\./);
  assert.match(warn.summary, /leaves \$4\.00 of your daily limit of \$5\.00/);
  assert.equal(evaluateBudget({ ...base, settings: settings({ daily: 5, mode: 'block' }) }).verdict, 'refuse');
  assert.equal(evaluateBudget({ ...base, uncostedToday: 0, uncostedMonth: 0, settings: settings({ daily: 5, mode: 'block' }) }).verdict, 'ok');
  assert.equal(evaluateBudget({ ...base, settings: settings({}) }).verdict, 'ok', 'no limit on: nothing to verify');
  const single = evaluateBudget({ ...base, uncostedToday: 1, uncostedMonth: 1, settings: settings({ monthly: 50 }) });
  assert.match(single.summary, /1 request this month has no known cost yet\./);
});

test('limits compare in nano-dollars: 0.1 + 0.2 is exactly at a limit of 0.3 and passes; a ten-millionth of a dollar over is over', () => {
  const daily = evaluateBudget({ settings: settings({ daily: 0.3, mode: 'block' }), estimateUsd: 0.2, spentTodayUsd: 0.1, spentMonthUsd: 0.1 });
  assert.equal(daily.verdict, 'ok', daily.summary);
  const perRequest = evaluateBudget({ settings: settings({ perRequest: 0.3, mode: 'block' }), estimateUsd: 0.1 + 0.2, spentTodayUsd: 0, spentMonthUsd: 0 });
  assert.equal(perRequest.verdict, 'ok', perRequest.summary);
  const over = evaluateBudget({ settings: settings({ daily: 0.3, mode: 'block' }), estimateUsd: 0.200001, spentTodayUsd: 0.1, spentMonthUsd: 0.1 });
  assert.equal(over.verdict, 'refuse');
  // The ledger's sums are exact nano-dollars: $9.9999995 spent plus a $0.0000006 request is $10.0000001, over $10.
  const barely = evaluateBudget({ settings: settings({ daily: 10, mode: 'block' }), estimateUsd: 0.0000006, spentTodayUsd: 9.9999995, spentMonthUsd: 9.9999995 });
  assert.equal(barely.verdict, 'refuse', barely.summary);
  const alreadyOver = evaluateBudget({ settings: settings({ daily: 10, mode: 'block' }), estimateUsd: 0.0000004, spentTodayUsd: 10.0000004, spentMonthUsd: 10.0000004 });
  assert.equal(alreadyOver.verdict, 'refuse', alreadyOver.summary);
});

test('preflight passes the ledger\'s unknown-cost count from spentSince to the budget', async () => {
  const check = await preflight({
    model: undefined, modelId: 'x/y', messages: [{ role: 'user', content: 'hi' }], maxTokens: 16,
    budget: settings({ daily: 5, mode: 'block' }), keyInfo: null, now: new Date(),
    spentSince: async () => ({ usd: 1, uncosted: 4 }),
  });
  assert.equal(check.decision.verdict, 'refuse');
  assert.match(check.decision.summary, /4 requests today have no known cost yet/);
});
