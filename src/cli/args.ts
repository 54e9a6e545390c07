/**
 * Argument parsing with `node:util` `parseArgs` (strict: an unknown flag or a missing value is
 * a usage error), the options every command shares, and the typed readers for values (dates,
 * numbers, ids) that turn bad input into a sentence naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseTimestamp } from '../ledger/normalize';
import { usageError } from './errors';
import { DAY_MS } from '../util/time';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  ledger: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  'base-url': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

export function parse(args: string[], options: OptionSpec, positionals = 0): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    // parseArgs' messages name the flag ("Unknown option '--x'"); drop its hint about `--` (we take no free arguments).
    throw usageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
  if (parsed.positionals.length > positionals) throw usageError(`Unexpected argument: ${parsed.positionals[positionals]}`);
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function number(values: Values, name: string, { min = 0, integer = false } = {}): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}; got "${text}".`);
  }
  return n;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date flag: `YYYY-MM-DD` is a whole UTC day (as an end: through the end of that day), an
 * ISO-8601 date-time an exact instant.
 */
export function dateBound(values: Values, name: string, end: boolean): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const ms = parseTimestamp(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (ms === undefined) throw usageError(`--${name} must be a date (YYYY-MM-DD) or an ISO-8601 date-time; got "${text}".`);
  return end && DATE_ONLY.test(text) ? ms + DAY_MS : ms;
}

export interface Range {
  from: number | null;
  to: number | null;
  label: string;
}

export const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function utcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** `--today | --month | --days N | --from D --to D | --all` (UTC; at most one choice; default `fallback`). */
export function rangeOf(values: Values, now: number, fallback: 'all' | 'today' = 'all'): Range {
  const chosen = ['today', 'month', 'days', 'all'].filter((k) => values[k] !== undefined);
  const explicit = values.from !== undefined || values.to !== undefined;
  if (chosen.length + (explicit ? 1 : 0) > 1) throw usageError('Choose one of --today, --month, --days N, --from/--to and --all.');
  const today = utcDay(now);
  if (values.today) return { from: today, to: null, label: `today (${new Date(today).toISOString().slice(0, 10)} UTC)` };
  if (values.month) {
    const d = new Date(now);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { from: start, to: null, label: `this month (${new Date(start).toISOString().slice(0, 7)} UTC)` };
  }
  const days = number(values, 'days', { min: 1, integer: true });
  if (days !== undefined) return { from: today - (days - 1) * DAY_MS, to: null, label: `the last ${days} day(s) (UTC)` };
  if (explicit) {
    const from = dateBound(values, 'from', false) ?? null;
    const to = dateBound(values, 'to', true) ?? null;
    if (from !== null && to !== null && from >= to) throw usageError('--to must be after --from.');
    return { from, to, label: `${isoOrNull(from) ?? 'the beginning'} – ${to === null ? 'now' : new Date(to).toISOString()}` };
  }
  if (values.all || fallback === 'all') return { from: null, to: null, label: 'all time' };
  return { from: today, to: null, label: `today (${new Date(today).toISOString().slice(0, 10)} UTC)` };
}

export const RANGE_OPTIONS = {
  today: { type: 'boolean' },
  month: { type: 'boolean' },
  days: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  all: { type: 'boolean' },
} as const satisfies OptionSpec;
