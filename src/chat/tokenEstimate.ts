/**
 * Prompt-token ESTIMATE for pre-flight cost checks, without shipping a tokenizer: every model
 * family on OpenRouter has its own, and the exact count only arrives with the response's `usage`.
 *
 * The estimate is deliberately biased a little upward, so a budget check errs on the side of
 * "this may cost more" rather than letting a request slip past a limit:
 * - ASCII text counts one token per 3.5 characters. BPE tokenizers average about 4 characters
 *   per token on English prose and about 3–3.5 on source code, which is what this extension's
 *   prompts mostly are.
 * - Every non-ASCII code point counts as a whole token. CJK text really is about one token per
 *   character; accented Latin letters are overcounted, which is the safe direction.
 * - Each message adds 4 tokens of chat-format framing (role and separators; OpenAI documents 3),
 *   and the request adds 3 for priming the assistant's reply.
 */
import type { ChatMessage } from '../openrouter/types';

export const ASCII_CHARS_PER_TOKEN = 3.5;
export const TOKENS_PER_MESSAGE = 4;
export const TOKENS_PER_REPLY = 3;

/** Estimated tokens of a piece of text (no chat framing). */
export function estimateTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + other;
}

/** Estimated prompt tokens of a chat request: content plus per-message framing plus reply priming. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  if (messages.length === 0) return 0;
  let total = TOKENS_PER_REPLY;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + estimateTextTokens(message.content);
  }
  return total;
}
