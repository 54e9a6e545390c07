/**
 * Polls /key and /credits on an interval and shares the result with every window.
 *
 * - Only the window holding the PollLease polls; the others pick the reading up from the shared
 *   state file on their next tick, so requests per hour do not grow with the number of windows.
 * - A window that has been unfocused for longer than one interval stops polling (and gives the
 *   lease up); gaining focus refreshes at once when the shared reading is older than the minimum
 *   interval.
 * - Failures back off exponentially; the last good reading is kept and shown as stale.
 */
import { Disposable, toDisposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import type { PollLease } from './lease';
import type { CreditReading, CreditStateFile, SharedCreditState } from './creditState';
import { crossedDown, type Level } from './spendable';

export interface CreditPollerOptions {
  intervalMs: number;
  /** How often the shared state is checked and the schedule re-evaluated. */
  tickMs: number;
  /** A focus gain refreshes only when the shared reading is at least this old. */
  focusRefreshAfterMs: number;
  maxBackoffMs: number;
  /** False while there is nothing to poll with (no key): ticks then do nothing. */
  canPoll(): Promise<boolean>;
  fetchReading(): Promise<CreditReading>;
  describeError(err: unknown): string;
  levelOf(reading: CreditReading): Level;
  stateFile: CreditStateFile;
  lease: PollLease;
  logger: Logger;
  onState(state: SharedCreditState): void;
  onLevelDrop(level: Level, reading: CreditReading): void;
  now?: () => number;
}

export class CreditPoller extends Disposable {
  private focused = true;
  private unfocusedSince = 0;
  private seenVersion = -1;
  private inFlight: Promise<SharedCreditState> | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: CreditPollerOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.register(toDisposable(() => clearInterval(timer)));
    // Shutdown must not leave a rejected promise behind (global storage may already be gone).
    this.register(toDisposable(() => void this.options.lease.release().catch((err: unknown) => this.options.logger.debug(`poll lease not released: ${this.options.describeError(err)}`))));
    void this.tick();
  }

  setIntervalMs(intervalMs: number): void {
    this.options.intervalMs = intervalMs;
  }

  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (!focused) {
      this.unfocusedSince = this.now();
      return;
    }
    this.refreshOnFocus().catch((err) => this.options.logger.warn(`refresh on focus failed: ${this.options.describeError(err)}`));
  }

  /** A user-requested refresh: always asks OpenRouter, whoever holds the lease. */
  refreshNow(): Promise<SharedCreditState> {
    return this.poll();
  }

  /** After a key or endpoint change: a poll already under way used the old one, so ask again after it. */
  async refreshAfterChange(): Promise<SharedCreditState> {
    await this.inFlight?.catch(() => undefined);
    return this.poll();
  }

  private async refreshOnFocus(): Promise<void> {
    const state = await this.options.stateFile.read();
    if (this.now() - state.lastAttemptAt < this.options.focusRefreshAfterMs) return;
    if (await this.options.lease.acquire(true)) await this.poll();
  }

  private backoffMs(failures: number): number {
    return Math.min(this.options.intervalMs * 2 ** Math.min(failures, 10), Math.max(this.options.maxBackoffMs, this.options.intervalMs));
  }

  /** Stops polling and resolves once the tick under way (if any) has finished and the lease is released. */
  async stop(): Promise<void> {
    this.dispose();
    await this.ticking;
    await this.inFlight?.catch(() => undefined);
    await this.options.lease.release();
  }

  private tick(): Promise<void> {
    if (this.ticking || this.isDisposed) return this.ticking ?? Promise.resolve();
    this.ticking = this.tickOnce().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    try {
      await this.pickUpOtherWindowsState();
      const idle = !this.focused && this.now() - this.unfocusedSince > this.options.intervalMs;
      if (idle || !(await this.options.canPoll())) {
        await this.options.lease.release();
        return;
      }
      const state = await this.options.stateFile.read();
      const due = this.now() - state.lastAttemptAt >= this.backoffMs(state.consecutiveFailures);
      const holds = await this.options.lease.acquire(false);
      if (due && (holds || (this.focused && (await this.options.lease.acquire(true))))) {
        await this.poll();
      }
    } catch (err) {
      this.options.logger.warn(`poll tick failed: ${this.options.describeError(err)}`);
    }
  }

  private async pickUpOtherWindowsState(): Promise<void> {
    const version = await this.options.stateFile.version();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.options.onState(await this.options.stateFile.read());
  }

  private poll(): Promise<SharedCreditState> {
    this.inFlight ??= this.pollOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async pollOnce(): Promise<SharedCreditState> {
    const before = await this.options.stateFile.read();
    let next: SharedCreditState;
    try {
      const reading = await this.options.fetchReading();
      const level = this.options.levelOf(reading);
      if (crossedDown(before.lastLevel ?? undefined, level)) this.options.onLevelDrop(level, reading);
      next = { reading, lastAttemptAt: this.now(), consecutiveFailures: 0, lastError: null, lastLevel: level };
      this.options.logger.debug('credits refreshed');
    } catch (err) {
      const message = this.options.describeError(err);
      next = {
        ...before,
        lastAttemptAt: this.now(),
        consecutiveFailures: before.consecutiveFailures + 1,
        lastError: { message, at: this.now() },
      };
      this.options.logger.warn(`credit refresh failed (${next.consecutiveFailures} in a row): ${message}`);
    }
    if (this.isDisposed) return next;
    await this.options.stateFile.write(next);
    this.seenVersion = await this.options.stateFile.version();
    this.options.onState(next);
    return next;
  }
}
