import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSpendable, crossedDown, levelFor } from '../../src/poller/spendable';
import { keyInfo } from './helpers/fixtures';

test('spendable is the account balance when the key has no limit', () => {
  const s = computeSpendable(keyInfo(), { totalCredits: 25, totalUsage: 12.66 });
  assert.equal(s.binding, 'credits');
  assert.ok(Math.abs((s.amount ?? NaN) - 12.34) < 1e-9);
});

test('a key limit smaller than the balance binds', () => {
  const s = computeSpendable(keyInfo({ limit: 10, limitRemaining: 4, limitReset: 'monthly' }), { totalCredits: 25, totalUsage: 5 });
  assert.equal(s.binding, 'key-limit');
  assert.equal(s.amount, 4);
  assert.equal(s.keyLimitReset, 'monthly');
  assert.equal(s.creditsRemaining, 20);
});

test('a balance smaller than the key limit binds', () => {
  const s = computeSpendable(keyInfo({ limit: 50, limitRemaining: 40 }), { totalCredits: 10, totalUsage: 9.5 });
  assert.equal(s.binding, 'credits');
  assert.equal(s.amount, 0.5);
});

test('without /credits the key limit alone is shown', () => {
  const s = computeSpendable(keyInfo({ limit: 5, limitRemaining: 2.5 }), null);
  assert.deepEqual([s.amount, s.binding], [2.5, 'key-limit']);
});

test('neither bound: no amount, "no limit"', () => {
  const s = computeSpendable(keyInfo(), null);
  assert.deepEqual([s.amount, s.binding], [null, 'none']);
});

test('a 200 with zeros from /credits for a key that has spent is not believed', () => {
  const s = computeSpendable(keyInfo({ usage: 3 }), { totalCredits: 0, totalUsage: 0 });
  assert.equal(s.creditsDiscarded, true);
  assert.equal(s.amount, null, 'must not claim $0.00 spendable from a figure the key cannot read');
});

test('an account that really has no credits yet and a key that never spent shows $0', () => {
  const s = computeSpendable(keyInfo({ usage: 0 }), { totalCredits: 0, totalUsage: 0 });
  assert.deepEqual([s.amount, s.binding, s.creditsDiscarded], [0, 'credits', false]);
});

test('an overdrawn account shows 0, never a negative spendable amount', () => {
  assert.equal(computeSpendable(keyInfo(), { totalCredits: 10, totalUsage: 10.2 }).amount, 0);
});

test('levels follow the warn and critical thresholds', () => {
  const t = { warnBelow: 5, criticalBelow: 1 };
  assert.equal(levelFor(12, t), 'ok');
  assert.equal(levelFor(4.99, t), 'warning');
  assert.equal(levelFor(0.99, t), 'critical');
  assert.equal(levelFor(null, t), 'ok');
});

test('a notification fires on a downward crossing only, not on every poll or on recovery', () => {
  assert.equal(crossedDown('ok', 'warning'), true);
  assert.equal(crossedDown('warning', 'warning'), false);
  assert.equal(crossedDown('warning', 'critical'), true);
  assert.equal(crossedDown('critical', 'warning'), false);
  assert.equal(crossedDown('critical', 'ok'), false);
  assert.equal(crossedDown(undefined, 'critical'), true, 'starting already low notifies once');
  assert.equal(crossedDown(undefined, 'ok'), false);
});
