import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateBudget,
  utcDayStart,
  utcMonthStart,
  validateBudgetSettings,
  type BudgetInput,
  type BudgetSettings,
} from '../../src/budget/policy';

const settings = (s: Partial<BudgetSettings>): BudgetSettings => ({ daily: 0, monthly: 0, perRequest: 0, mode: 'warn', ...s });
const input = (i: Partial<BudgetInput>): BudgetInput => ({
  settings: settings({}),
  estimateUsd: 0.001,
  spentTodayUsd: 0,
  spentMonthUsd: 0,
  ...i,
});

test('a per-request limit of $0.01 in block mode refuses a $0.02 estimate and says why', () => {
  const d = evaluateBudget(input({ settings: settings({ perRequest: 0.01, mode: 'block' }), estimateUsd: 0.02 }));
  assert.equal(d.verdict, 'refuse');
  assert.equal(d.violations.length, 1);
  assert.deepEqual([d.violations[0].scope, d.violations[0].limit, d.violations[0].projected], ['perRequest', 0.01, 0.02]);
  assert.match(d.summary, /\$0\.02/);
  assert.match(d.summary, /per-request limit of \$0\.01/);
});

test('in warn mode the same request asks for confirmation and shows the estimate', () => {
  const d = evaluateBudget(input({ settings: settings({ perRequest: 0.01 }), estimateUsd: 0.02 }));
  assert.equal(d.verdict, 'confirm');
  assert.equal(d.summary, 'This request may cost up to $0.02, over your per-request limit of $0.01. Send anyway?');
});

test('a request within every limit goes ahead', () => {
  const d = evaluateBudget(
    input({ settings: settings({ perRequest: 0.05, daily: 5, monthly: 50, mode: 'block' }), estimateUsd: 0.0042, spentTodayUsd: 1, spentMonthUsd: 10 }),
  );
  assert.equal(d.verdict, 'ok');
  assert.deepEqual(d.violations, []);
  assert.equal(d.summary, 'Estimated cost up to $0.0042; within your budget.');
});

test('the daily limit counts what was already spent today plus this request', () => {
  const d = evaluateBudget(input({ settings: settings({ daily: 5, mode: 'block' }), estimateUsd: 0.9, spentTodayUsd: 4.2 }));
  assert.equal(d.verdict, 'refuse');
  assert.equal(d.violations[0].scope, 'daily');
  assert.ok(Math.abs((d.violations[0].projected ?? 0) - 5.1) < 1e-9);
  assert.match(d.violations[0].message, /\$4\.20.*\$0\.90.*\$5\.10.*daily limit of \$5\.00/);
});

test("OpenRouter's own daily usage counts when it is higher than the ledger's", () => {
  const d = evaluateBudget(
    input({ settings: settings({ daily: 5 }), estimateUsd: 0.6, spentTodayUsd: 4.2, openRouterUsageDaily: 4.5 }),
  );
  assert.equal(d.verdict, 'confirm', 'ledger alone ($4.80) fits, OpenRouter ($5.10) does not');
  assert.match(d.violations[0].message, /OpenRouter reports \$4\.50, this ledger \$4\.20; the larger counts/);
});

test("the ledger's spend counts when OpenRouter reports less (e.g. its counter lags)", () => {
  const d = evaluateBudget(
    input({ settings: settings({ monthly: 20 }), estimateUsd: 1, spentMonthUsd: 19.5, openRouterUsageMonthly: 3 }),
  );
  assert.equal(d.verdict, 'confirm');
  assert.equal(d.violations[0].scope, 'monthly');
  assert.ok(Math.abs((d.violations[0].projected ?? 0) - 20.5) < 1e-9);
});

test('every exceeded limit is listed', () => {
  const d = evaluateBudget(
    input({ settings: settings({ perRequest: 0.5, daily: 1, monthly: 2, mode: 'block' }), estimateUsd: 0.75, spentTodayUsd: 0.5, spentMonthUsd: 1.5 }),
  );
  assert.deepEqual(d.violations.map((v) => v.scope), ['perRequest', 'daily', 'monthly']);
});

test('spending exactly up to a limit is allowed; only going over it is not', () => {
  const d = evaluateBudget(input({ settings: settings({ daily: 5, perRequest: 1, mode: 'block' }), estimateUsd: 1, spentTodayUsd: 4 }));
  assert.equal(d.verdict, 'ok');
});

test('a free request is still allowed when the daily limit is already used up', () => {
  const d = evaluateBudget(input({ settings: settings({ daily: 5, mode: 'block' }), estimateUsd: 0, spentTodayUsd: 7 }));
  assert.equal(d.verdict, 'ok');
});

test('an unknown price with a per-request limit is refused in block mode: the cost cannot be verified', () => {
  const d = evaluateBudget(
    input({
      settings: settings({ perRequest: 0.01, mode: 'block' }),
      estimateUsd: null,
      unknownReason: 'price unknown for openrouter/auto (router model)',
    }),
  );
  assert.equal(d.verdict, 'refuse');
  assert.equal(d.unknownEstimate, true);
  assert.equal(d.violations[0].projected, null);
  assert.match(d.summary, /Cannot verify the cost of this request: price unknown for openrouter\/auto \(router model\)/);
});

test('an unknown price with a per-request limit asks for confirmation in warn mode', () => {
  const d = evaluateBudget(input({ settings: settings({ perRequest: 0.01 }), estimateUsd: null }));
  assert.equal(d.verdict, 'confirm');
  assert.match(d.summary, /^Cannot verify the cost of this request: price unknown\. Your per-request limit is \$0\.01\. Send anyway\?$/);
});

test('an unknown price cannot be checked against a daily limit either, and the message says how much is left', () => {
  const d = evaluateBudget(
    input({ settings: settings({ daily: 5, mode: 'block' }), estimateUsd: null, spentTodayUsd: 4.2, unknownReason: 'price unknown for x/y (no usable prompt price)' }),
  );
  assert.equal(d.verdict, 'refuse');
  assert.match(d.violations[0].message, /leaves \$0\.80 of your daily limit of \$5\.00/);
  assert.match(d.summary, /^Blocked by your budget\. Cannot verify the cost of this request: price unknown for x\/y \(no usable prompt price\)\./);
});

test('with no limits set an unknown price goes ahead but is flagged as unknown', () => {
  const d = evaluateBudget(input({ estimateUsd: null, unknownReason: 'price unknown for openrouter/auto (router model)' }));
  assert.equal(d.verdict, 'ok');
  assert.equal(d.unknownEstimate, true);
  assert.match(d.summary, /unknown.*No budget limit is set/);
});

test('bad settings switch that limit off and name the setting and the bad value', () => {
  const { settings: s, problems } = validateBudgetSettings({ daily: -5, monthly: 'ten', perRequest: Number.NaN, mode: 'strict' });
  assert.deepEqual(s, { daily: 0, monthly: 0, perRequest: 0, mode: 'warn' });
  assert.equal(problems.length, 4);
  assert.match(problems[0], /openrouterLedger\.budget\.daily .*found -5\. The daily limit is off/);
  assert.match(problems[1], /openrouterLedger\.budget\.monthly .*found "ten"/);
  assert.match(problems[2], /openrouterLedger\.budget\.perRequest .*found NaN/);
  assert.match(problems[3], /openrouterLedger\.budget\.mode must be "warn" or "block"; found "strict"\. Using "warn"/);
});

test('missing settings mean "off" without any complaint, and valid ones are kept', () => {
  assert.deepEqual(validateBudgetSettings(undefined), { settings: settings({}), problems: [] });
  assert.deepEqual(validateBudgetSettings({ daily: 2.5, mode: 'Block' }), { settings: settings({ daily: 2.5, mode: 'block' }), problems: [] });
});

test('a hostile setting value is quoted short and without control characters', () => {
  const { problems } = validateBudgetSettings({ daily: `\u001b[2J${'x'.repeat(500)}` });
  assert.doesNotMatch(problems[0], /\u001b/);
  assert.ok(problems[0].length < 300);
});

test('a negative per-request limit that slipped through is treated as off, not as "refuse everything"', () => {
  const d = evaluateBudget(input({ settings: settings({ perRequest: -1, mode: 'block' }), estimateUsd: 0.5 }));
  assert.equal(d.verdict, 'ok');
});

test('days and months start at midnight UTC, whatever the local offset', () => {
  const lateEveningInChicago = new Date('2025-03-31T23:30:00-05:00'); // 2025-04-01 04:30 UTC
  assert.equal(utcDayStart(lateEveningInChicago).toISOString(), '2025-04-01T00:00:00.000Z');
  assert.equal(utcMonthStart(lateEveningInChicago).toISOString(), '2025-04-01T00:00:00.000Z');
  const earlyInTokyo = new Date('2025-01-01T08:00:00+09:00'); // 2024-12-31 23:00 UTC
  assert.equal(utcDayStart(earlyInTokyo).toISOString(), '2024-12-31T00:00:00.000Z');
  assert.equal(utcMonthStart(earlyInTokyo).toISOString(), '2024-12-01T00:00:00.000Z');
  assert.throws(() => utcDayStart(new Date('nonsense')), RangeError);
});
