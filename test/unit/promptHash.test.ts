import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { promptHash } from '../../src/chat/promptHash';
import type { ChatMessage } from '../../src/openrouter/types';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

test('the hash is SHA-256 over hand-written canonical JSON (sorted keys, no whitespace)', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say "hi"\n' },
  ];
  const canonical = '[{"content":"Be brief.","role":"system"},{"content":"Say \\"hi\\"\\n","role":"user"}]';
  assert.equal(promptHash(messages), sha256(canonical));
  assert.equal(
    promptHash(messages, 'openai/gpt-4o'),
    sha256(`{"messages":${canonical},"model":"openai/gpt-4o"}`),
  );
  assert.match(promptHash(messages), /^[0-9a-f]{64}$/);
});

test('key order, object identity and extra fields do not change the hash', () => {
  const a: ChatMessage[] = [{ role: 'user', content: 'hello' }];
  const reordered = JSON.parse('[{"content":"hello","role":"user","name":"ignored"}]') as ChatMessage[];
  assert.equal(promptHash(a), promptHash(reordered));
  assert.equal(promptHash(a), promptHash(structuredClone(a)));
});

test('the same text in composed or decomposed Unicode hashes the same', () => {
  const composed = 'caf\u00e9';
  const decomposed = 'cafe\u0301';
  assert.notEqual(composed, decomposed);
  assert.equal(promptHash([{ role: 'user', content: composed }]), promptHash([{ role: 'user', content: decomposed }]));
});

test('different content, role, order or model gives a different hash', () => {
  const base: ChatMessage[] = [
    { role: 'system', content: 'A' },
    { role: 'user', content: 'B' },
  ];
  const variants: ChatMessage[][] = [
    [{ role: 'system', content: 'A' }, { role: 'user', content: 'b' }],
    [{ role: 'user', content: 'A' }, { role: 'user', content: 'B' }],
    [{ role: 'user', content: 'B' }, { role: 'system', content: 'A' }],
    [{ role: 'system', content: 'AB' }],
  ];
  const hashes = new Set([promptHash(base), ...variants.map((v) => promptHash(v)), promptHash(base, 'm/one'), promptHash(base, 'm/two')]);
  assert.equal(hashes.size, 7);
});

test('messages that differ anywhere never share a hash; equal ones always do', () => {
  const message = fc.record({ role: fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant'), content: fc.string({ maxLength: 20 }) });
  fc.assert(
    fc.property(fc.array(message, { maxLength: 4 }), fc.array(message, { maxLength: 4 }), (a, b) => {
      const same = JSON.stringify(a.map((m) => [m.role, m.content.normalize('NFC')])) === JSON.stringify(b.map((m) => [m.role, m.content.normalize('NFC')]));
      assert.equal(promptHash(a) === promptHash(b), same);
    }),
    { numRuns: 300 },
  );
});
