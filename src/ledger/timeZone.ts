/**
 * Time ranges and time zones for the queries: presets (24h/7d/30d/all), and local calendar days
 * and hours in a fixed offset or an IANA zone (with its DST changes).
 */
import { DAY_MS } from '../util/time';
import { parseTimestamp } from './normalize';
import type { TimeRange } from './types';

export type RangePreset = '24h' | '7d' | '30d' | 'all';

/** `utc`, `local` (this machine's zone), an IANA name, or a fixed offset east of UTC. */
export type TimeZoneSpec = 'utc' | 'local' | { timeZone: string } | { offsetMinutes: number };

export interface ResolvedRange {
  /** Inclusive start, epoch ms; -Infinity when unbounded. */
  from: number;
  /** Exclusive end, epoch ms; Infinity when unbounded. */
  to: number;
}

const HOUR_MS = 3_600_000;

export function presetRange(preset: RangePreset, now = Date.now()): TimeRange {
  switch (preset) {
    case '24h':
      return { from: now - DAY_MS, to: now + 1 };
    case '7d':
      return { from: now - 7 * DAY_MS, to: now + 1 };
    case '30d':
      return { from: now - 30 * DAY_MS, to: now + 1 };
    case 'all':
      return {};
  }
}

export function resolveRange(range: TimeRange | RangePreset, now = Date.now()): ResolvedRange {
  const r = typeof range === 'string' ? presetRange(range, now) : range;
  const bound = (v: TimeRange['from'], fallback: number, name: string) => {
    if (v === undefined || v === null || v === '') return fallback;
    const ms = parseTimestamp(v);
    if (ms === undefined) throw new RangeError(`The ${name} of the range is not a valid date-time: ${String(v)}`);
    return ms;
  };
  const resolved = { from: bound(r.from, -Infinity, 'start'), to: bound(r.to, Infinity, 'end') };
  if (resolved.from > resolved.to) throw new RangeError('The range ends before it starts.');
  return resolved;
}

/** Offset east of UTC (minutes) at a given instant. */
export type OffsetAt = (ms: number) => number;

export function offsetFunction(tz: TimeZoneSpec = 'utc'): OffsetAt {
  if (tz === 'utc') return () => 0;
  if (typeof tz === 'object' && 'offsetMinutes' in tz) {
    const minutes = tz.offsetMinutes;
    if (!Number.isFinite(minutes) || Math.abs(minutes) > 18 * 60) throw new RangeError(`Invalid time-zone offset ${minutes}`);
    return () => minutes;
  }
  const zone = tz === 'local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz.timeZone;
  return zoneOffsets(zone);
}

/**
 * Offsets of an IANA zone. Formatting a date per row would dominate a query, so the offset is
 * cached per UTC day (a zone changes its offset at most once a day); a day in which it changes
 * (a DST switch) is cached per hour, and an hour in which it changes is looked up exactly.
 */
function zoneOffsets(zone: string): OffsetAt {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
  } catch {
    throw new RangeError(`Unknown time zone "${zone}"`);
  }
  const exact = (ms: number) => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    return Math.round((asUtc - Math.floor(ms / 60_000) * 60_000) / 60_000);
  };
  /** Offset over [start, start + span), or null when it changes inside. */
  const constantOver = (start: number, span: number) => {
    const first = exact(start);
    return first === exact(start + span - 60_000) ? first : null;
  };
  const days = new Map<number, number | null>();
  const hours = new Map<number, number | null>();
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let offset = days.get(day);
    if (offset === undefined) days.set(day, (offset = constantOver(day * DAY_MS, DAY_MS)));
    if (offset !== null) return offset;
    const hour = Math.floor(ms / HOUR_MS);
    let hourly = hours.get(hour);
    if (hourly === undefined) hours.set(hour, (hourly = constantOver(hour * HOUR_MS, HOUR_MS)));
    return hourly ?? exact(ms);
  };
}

/** `YYYY-MM-DD` of the local calendar day containing `ms`. */
export function localDay(ms: number, offsetAt: OffsetAt): string {
  return new Date(ms + offsetAt(ms) * 60_000).toISOString().slice(0, 10);
}

export function localHour(ms: number, offsetAt: OffsetAt): number {
  return new Date(ms + offsetAt(ms) * 60_000).getUTCHours();
}

/** UTC instant at which the local day `YYYY-MM-DD` starts. */
export function startOfLocalDay(day: string, offsetAt: OffsetAt): number {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  // The offset at local midnight; two refinements settle it across a DST change.
  let guess = midnightUtc - offsetAt(midnightUtc) * 60_000;
  guess = midnightUtc - offsetAt(guess) * 60_000;
  return guess;
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** Every local day from the day of `from` to the day of `to - 1`, inclusive. */
export function daysBetween(fromMs: number, toMs: number, offsetAt: OffsetAt, limit = 20_000): string[] {
  const days: string[] = [];
  const last = localDay(toMs - 1, offsetAt);
  for (let d = localDay(fromMs, offsetAt); d <= last && days.length < limit; d = nextDay(d)) days.push(d);
  return days;
}
