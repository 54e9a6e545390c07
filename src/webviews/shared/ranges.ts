/**
 * The dashboard's range presets resolved in the `ledger.timeZone` calendar: a rolling 24 hours,
 * the last 7/30/90 local days including today, this local month, or custom local days. Days are
 * calendar days of the zone, so a DST change makes one of them 23 or 25 hours long.
 */
import { localDay, nextDay, startOfLocalDay, type OffsetAt } from '../../ledger/timeZone';

import type { RangeSelection } from './rangeSelection';
import { DAY_MS } from '../../util/time';

export { RANGE_PRESETS, type RangePresetId, type RangeSelection } from './rangeSelection';

export interface ResolvedSelection {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  /** First and last local day the range touches. */
  firstDay: string;
  lastDay: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(text: unknown): text is string {
  return typeof text === 'string' && DAY_RE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}

/** `YYYY-MM-DD` shifted by whole days. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Throws a RangeError with a sentence a user can act on for an unusable custom range. */
export function resolveSelection(selection: RangeSelection, now: number, offsetAt: OffsetAt): ResolvedSelection {
  const today = localDay(now, offsetAt);
  const end = now + 1;
  const lastN = (n: number) => {
    const firstDay = addDays(today, -(n - 1));
    return { from: startOfLocalDay(firstDay, offsetAt), to: end, firstDay, lastDay: today };
  };
  switch (selection.preset) {
    case '24h':
      return { from: now - DAY_MS, to: end, firstDay: localDay(now - DAY_MS, offsetAt), lastDay: today };
    case '7d':
      return lastN(7);
    case '30d':
      return lastN(30);
    case '90d':
      return lastN(90);
    case 'month': {
      const firstDay = `${today.slice(0, 7)}-01`;
      return { from: startOfLocalDay(firstDay, offsetAt), to: end, firstDay, lastDay: today };
    }
    case 'custom': {
      const { fromDay, toDay } = selection;
      if (!isDay(fromDay) || !isDay(toDay)) throw new RangeError('A custom range needs a first and a last day as YYYY-MM-DD.');
      if (toDay < fromDay) throw new RangeError('The last day of the range is before its first day.');
      return { from: startOfLocalDay(fromDay, offsetAt), to: startOfLocalDay(nextDay(toDay), offsetAt), firstDay: fromDay, lastDay: toDay };
    }
  }
}

/** The local month containing `now`: its first instant, its end, and its length in days. */
export function monthBounds(now: number, offsetAt: OffsetAt): { start: number; end: number; days: number; firstDay: string } {
  const today = localDay(now, offsetAt);
  const firstDay = `${today.slice(0, 7)}-01`;
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const nextFirst = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  const days = Math.round((Date.parse(`${nextFirst}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / DAY_MS);
  return { start: startOfLocalDay(firstDay, offsetAt), end: startOfLocalDay(nextFirst, offsetAt), days, firstDay };
}
