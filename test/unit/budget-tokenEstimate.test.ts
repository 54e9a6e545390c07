import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePromptTokens, estimateTextTokens } from '../../src/chat/tokenEstimate';
import type { ChatMessage } from '../../src/openrouter/types';

const user = (content: string): ChatMessage => ({ role: 'user', content });

test('the estimate is not below what a real tokenizer counts for ordinary prompts', () => {
  // cl100k_base token counts, plus OpenAI's chat accounting (3 per message, 3 to prime the reply).
  const known: Array<[string, number]> = [
    ['Hello, world!', 4],
    ['The quick brown fox jumps over the lazy dog.', 10],
  ];
  for (const [text, tokens] of known) {
    const real = tokens + 3 + 3;
    const estimate = estimatePromptTokens([user(text)]);
    assert.ok(estimate >= real, `${JSON.stringify(text)}: estimate ${estimate} < real ${real}`);
    assert.ok(estimate <= real * 2, `${JSON.stringify(text)}: estimate ${estimate} is far above real ${real}`);
  }
});

test('a longer prompt never estimates fewer tokens', () => {
  let previous = 0;
  for (let n = 0; n < 200; n += 7) {
    const estimate = estimateTextTokens('x'.repeat(n));
    assert.ok(estimate >= previous);
    previous = estimate;
  }
  assert.equal(estimateTextTokens('a'.repeat(3500)), 1000);
});

test('CJK text counts at least one token per character, where chars/4 would undercount', () => {
  const text = '日本語のテキストです';
  assert.ok(estimateTextTokens(text) >= [...text].length);
});

test('every message costs framing tokens even when empty, and the reply is primed once', () => {
  const one = estimatePromptTokens([user('')]);
  const two = estimatePromptTokens([user(''), { role: 'assistant', content: '' }]);
  assert.ok(one > 0);
  assert.equal(two - one, 4);
  assert.equal(estimatePromptTokens([]), 0);
});
