/**
 * Pure rules for the two key slots (inference and management): format check before any network
 * call, and what to do once OpenRouter has told us which kind a key really is.
 */
import { plainTranslate, type Translate } from '../util/l10n';

export type KeySlot = 'inference' | 'management';

export const KEY_ENV_VARS: Record<KeySlot, string> = {
  inference: 'OPENROUTER_API_KEY',
  management: 'OPENROUTER_MANAGEMENT_KEY',
};

/** Returns a user-facing problem with the typed text, or undefined when it looks like a key. */
export function keyFormatProblem(input: string, t: Translate = plainTranslate): string | undefined {
  const key = input.trim();
  if (key === '') return t('Paste your OpenRouter key (it starts with "sk-or-v1-").');
  if (/\s/.test(key)) return t('A key has no spaces or line breaks inside it.');
  if (!key.startsWith('sk-or-')) return t('OpenRouter keys start with "sk-or-v1-". This does not look like one.');
  if (!/^sk-or-[A-Za-z0-9_-]+$/.test(key)) return t('The key contains characters OpenRouter keys never have.');
  if (key.length < 24) return t('This key is too short; copy the whole key from openrouter.ai/settings/keys.');
  return undefined;
}

export type SlotDecision =
  | { action: 'store' }
  | { action: 'offer-swap'; actualSlot: KeySlot };

/** A key checked with GET /key goes into the slot it belongs to, or the user is offered the other slot. */
export function decideSlot(requested: KeySlot, isManagementKey: boolean): SlotDecision {
  const actual: KeySlot = isManagementKey ? 'management' : 'inference';
  return actual === requested ? { action: 'store' } : { action: 'offer-swap', actualSlot: actual };
}

export type KeySource = 'secret-storage' | 'environment';

export interface KeyPresence {
  slot: KeySlot;
  source: KeySource | undefined;
  /** Set when a key was stored earlier (marker in globalState) but secret storage no longer has it. */
  vanished: boolean;
}

/** "Configured before but gone now": the marker says we stored it, the secret store says it is not there. */
export function detectVanished(markerPresent: boolean, secretPresent: boolean): boolean {
  return markerPresent && !secretPresent;
}
