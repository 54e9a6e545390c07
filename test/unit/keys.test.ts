import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSlot, detectVanished, keyFormatProblem } from '../../src/keys/keySlots';
import { maskKey, scrubSecrets } from '../../src/keys/mask';

const KEY = 'sk-or-v1-' + 'abc' + '0123456789abcdef'.repeat(3) + '1234wxyz';

test('a well-formed key passes the format check; common paste mistakes are explained', () => {
  assert.equal(keyFormatProblem(KEY), undefined);
  assert.equal(keyFormatProblem(`  ${KEY}\n`), undefined, 'surrounding whitespace is trimmed');
  assert.match(keyFormatProblem('') ?? '', /Paste/);
  assert.match(keyFormatProblem('sk-ant-api03-xyz0123456789012345') ?? '', /start with "sk-or-v1-"/);
  assert.match(keyFormatProblem('sk-or-v1-abc def0123456789012345') ?? '', /no spaces/);
  assert.match(keyFormatProblem('sk-or-v1-abc') ?? '', /too short/);
  assert.match(keyFormatProblem('sk-or-v1-<script>alert(1)</script>') ?? '', /characters/);
});

test('a management key entered as the API key is offered the management slot, and vice versa', () => {
  assert.deepEqual(decideSlot('inference', false), { action: 'store' });
  assert.deepEqual(decideSlot('management', true), { action: 'store' });
  assert.deepEqual(decideSlot('inference', true), { action: 'offer-swap', actualSlot: 'management' });
  assert.deepEqual(decideSlot('management', false), { action: 'offer-swap', actualSlot: 'inference' });
});

test('"configured before but gone now" is told apart from "never configured"', () => {
  assert.equal(detectVanished(true, false), true);
  assert.equal(detectVanished(false, false), false);
  assert.equal(detectVanished(true, true), false);
});

test('keys are masked as sk-or-v1-abc…wxyz', () => {
  assert.equal(maskKey(KEY), 'sk-or-v1-abc…wxyz');
  assert.ok(!maskKey(KEY).includes('0123456789abcdef'));
});

test('scrubbing removes every key and bearer token from free text', () => {
  const text = `request failed for ${KEY}; header Authorization: Bearer ${KEY}; other sk-or-v1-${'f'.repeat(64)}`;
  const out = scrubSecrets(text);
  assert.ok(!out.includes(KEY));
  assert.ok(!out.includes('f'.repeat(64)));
  assert.match(out, /sk-or-v1-abc…wxyz/);
});
