/**
 * Tolerant readers for raw JSON values. OpenRouter adds fields, drops newer ones, sends numbers
 * as strings and timestamps in several formats; these helpers turn any of that into a clean value
 * or `null` instead of throwing, so one odd field never loses a whole response.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): JsonObject | null {
  return isObject(value) ? value : null;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A finite number, or a string that is exactly one (analytics counts arrive as strings). */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

export function int(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Math.trunc(n);
}

export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** USD per unit. Negative (router models send "-1"), absent or unparsable means unknown: `null`. */
export function price(value: unknown): number | null {
  const n = num(value);
  return n === null || n < 0 ? null : n;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Any ISO-8601-ish timestamp → `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC). Accepts microseconds
 * (`.363244`), `+00:00`/`+0000`/`Z` offsets, a space instead of `T`, a bare date, and epoch
 * seconds or milliseconds as numbers. A timestamp without an offset is taken as UTC, which is
 * what OpenRouter means. Returns `null` when nothing sensible can be read.
 */
export function isoUtc(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
    return validIso(ms);
  }
  if (typeof value !== 'string') return null;
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = match;
  const ms = Number((frac + '000').slice(0, 3));
  let epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (!sameCalendarDate(epoch, Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return null;
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    epoch -= sign * offsetMinutes * 60_000;
  }
  return validIso(epoch);
}

function sameCalendarDate(epoch: number, y: number, mo: number, d: number): boolean {
  const date = new Date(epoch);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function validIso(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `YYYY-MM-DD` from a date or timestamp string; `null` if it is neither. */
export function isoDate(value: unknown): string | null {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    return isoUtc(value) === null ? null : value.trim();
  }
  const iso = isoUtc(value);
  return iso === null ? null : iso.slice(0, 10);
}

/** Parses JSON, returning `undefined` for invalid text instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
