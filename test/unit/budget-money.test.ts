import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUsd } from '../../src/util/money';

test('dollar amounts show cents and thousands separators', () => {
  assert.equal(formatUsd(12.34), '$12.34');
  assert.equal(formatUsd(5), '$5.00');
  assert.equal(formatUsd(1234567.891), '$1,234,567.89');
  assert.equal(formatUsd(0), '$0.00');
});

test('amounts below one cent keep two significant digits instead of reading as $0.00', () => {
  assert.equal(formatUsd(0.0042), '$0.0042');
  assert.equal(formatUsd(0.000012345), '$0.000012');
  assert.equal(formatUsd(0.005), '$0.005');
  assert.equal(formatUsd(0.00999999), '$0.01');
});

test('negative amounts (refunds, overspend) carry a leading minus', () => {
  assert.equal(formatUsd(-3), '-$3.00');
  assert.equal(formatUsd(-0.0042), '-$0.0042');
  assert.equal(formatUsd(-1500.5), '-$1,500.50');
});

test('an unknown amount is shown as unknown, never as zero', () => {
  for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.equal(formatUsd(value), 'unknown');
  }
});

test('a vanishingly small cost is still not called free', () => {
  assert.equal(formatUsd(1e-12), '<$0.0000000001');
});
