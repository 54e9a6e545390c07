/** UTC calendar helpers: usage windows (day, Monday-based week, month) and activity dates. */

const DAY_MS = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Weeks run Monday–Sunday in OpenRouter's counters. */
export function startOfUtcWeek(at: Date): Date {
  const day = startOfUtcDay(at);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

export function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** 'YYYY-MM-DD' of the UTC day containing `at`. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Minutes since UTC midnight, for HHMM price windows. */
export function utcMinuteOfDay(at: Date): number {
  return at.getUTCHours() * 60 + at.getUTCMinutes();
}
