/**
 * A stable fingerprint of a prompt, so the ledger can tell identical prompts apart from
 * different ones without storing what they said.
 *
 * The hash is SHA-256 (hex) over canonical JSON: only `role` and `content` of each message, keys
 * sorted, no whitespace, every string NFC-normalized (so "é" typed as one code point or as e +
 * combining accent hashes the same). With a model, the canonical document is
 * `{"messages":[…],"model":"…"}`; without one it is the bare messages array.
 * Example: [{ role: 'user', content: 'Hi' }] → sha256 of `[{"content":"Hi","role":"user"}]`.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../openrouter/types';

export function canonicalPromptJson(messages: readonly ChatMessage[], model?: string): string {
  const list = `[${messages.map((m) => `{"content":${jsonString(m.content)},"role":${jsonString(m.role)}}`).join(',')}]`;
  return model === undefined ? list : `{"messages":${list},"model":${jsonString(model)}}`;
}

export function promptHash(messages: readonly ChatMessage[], model?: string): string {
  return createHash('sha256').update(canonicalPromptJson(messages, model), 'utf8').digest('hex');
}

function jsonString(value: string): string {
  return JSON.stringify(String(value).normalize('NFC'));
}
