/**
 * Whether a crashed ledger worker may be reopened: a worker that keeps crashing (a damaged file
 * it cannot load, memory it cannot get) must not be restarted in a loop, each attempt re-reading
 * the whole ledger. After `maxCrashes` crashes within `windowMs` reopening stops until the user
 * asks again (`reset`). No `vscode` import.
 */
export const CRASH_LIMIT = 2;
export const CRASH_WINDOW_MS = 5 * 60_000;

export class WorkerCrashGuard {
  private crashes: number[] = [];

  constructor(private readonly maxCrashes = CRASH_LIMIT, private readonly windowMs = CRASH_WINDOW_MS) {}

  /** Notes a crash at `now`; true while the worker may still be reopened. */
  crashed(now: number): boolean {
    this.crashes = [...this.crashes.filter((at) => now - at < this.windowMs), now];
    return this.crashes.length < this.maxCrashes;
  }

  /** The user asked to retry: the count starts again. */
  reset(): void {
    this.crashes = [];
  }
}
