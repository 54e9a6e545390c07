/**
 * Parsing what the user types when creating or changing a key (no `vscode` import): a limit in
 * USD (empty = none) and an expiry date (empty = never), checked before anything is sent.
 */
import { plainTranslate, type Translate } from '../../util/l10n';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export function parseLimit(input: string, t: Translate = plainTranslate): Parsed<number | null> {
  let text = input.trim().replace(/^\$/, '');
  if (text.includes(',')) {
    // A comma is only a thousands separator in whole groups of three ("1,000.50"): "2,50" is a
    // decimal comma, and reading it as 250 would set a limit a hundred times too high.
    if (!/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) return { ok: false, problem: t('Use a point for decimals (2.50).') };
    text = text.replace(/,/g, '');
  }
  if (text === '') return { ok: true, value: null };
  if (!/^\d+(\.\d+)?$/.test(text)) return { ok: false, problem: t('Type an amount in USD such as 10 or 2.50, or leave it empty for no limit.') };
  const value = Number(text);
  if (!Number.isFinite(value) || value > 1e9) return { ok: false, problem: t('This limit is too large.') };
  return { ok: true, value };
}

/**
 * `YYYY-MM-DD` means the end of that UTC day; a full timestamp must be UTC (`Z`), as OpenRouter
 * rejects other offsets. The result is an ISO string in UTC, in the future.
 */
export function parseExpiry(input: string, now: number, t: Translate = plainTranslate): Parsed<string | null> {
  const text = input.trim();
  if (text === '') return { ok: true, value: null };
  let at: number;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) at = Date.parse(`${text}T23:59:59Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(text)) at = Date.parse(text);
  else return { ok: false, problem: t('Type a date as YYYY-MM-DD (the key expires at the end of that UTC day), or leave it empty.') };
  // Date.parse rolls 2025-02-30 over into March; a date must name a real day.
  if (!Number.isFinite(at) || new Date(at).toISOString().slice(0, 10) !== text.slice(0, 10)) return { ok: false, problem: t('{0} is not a real date.', text) };
  if (at <= now) return { ok: false, problem: t('The expiry must be in the future.') };
  return { ok: true, value: new Date(at).toISOString().replace(/\.000Z$/, 'Z') };
}

export function parseKeyName(input: string, t: Translate = plainTranslate): Parsed<string> {
  const name = input.trim();
  if (name === '') return { ok: false, problem: t('Give the key a name (it helps you tell keys apart later).') };
  if (name.length > 100) return { ok: false, problem: t('Keep the name under 100 characters.') };
  return { ok: true, value: name };
}
