/**
 * Deterministic stand-ins for a tokenizer and a model:
 * - prompt tokens = Σ over messages (3 + ceil(characters of its text / 4)) + 3 (reply priming);
 * - the reply is built from the last user message and split into "pieces" (a word plus its
 *   trailing space); each piece is exactly one completion token.
 * A user message containing `[[tokens:N]]` makes the reply exactly N tokens long (before max_tokens).
 */
import { hashKey } from './ids';

const FILLER = ['The', 'ledger', 'keeps', 'every', 'cent', 'visible,', 'so', 'spend', 'stays', 'bounded', 'and', 'audited.'];

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

export interface ChatMessage {
  role: string;
  content: unknown;
}

export function countPromptTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 3 + Math.ceil(messageText(m.content).length / 4), 3);
}

/** A rough "normalized" count (words), reported as tokens_* next to the native counts. */
export function normalizedTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The reply as one-token pieces; concatenated they form the full reply text. */
export function replyPieces(messages: ChatMessage[]): string[] {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const prompt = lastUser ? messageText(lastUser.content) : '';
  const forced = /\[\[tokens:(\d{1,6})\]\]/.exec(prompt);
  const seed = parseInt(hashKey(prompt).slice(0, 8), 16);
  const target = forced ? Number(forced[1]) : 12 + (seed % 20);
  const echoed = prompt.replace(/\[\[tokens:\d+\]\]/g, '').split(/\s+/).filter(Boolean).slice(0, 6);
  const words = ['You', 'said:', ...echoed.map((w) => w.slice(0, 40))];
  for (let i = 0; words.length < target; i++) words.push(FILLER[(seed + i) % FILLER.length]);
  return words.slice(0, target).map((w, i, all) => (i < all.length - 1 ? `${w} ` : w));
}
