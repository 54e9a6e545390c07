/**
 * Completes audited rows with OpenRouter's exact record from /generation, which appears only
 * some time after a completion ends (404 until then). Runs in the background; the list of rows
 * still waiting lives in the ledger (backfill = 'pending'), so nothing is lost with a window.
 *
 * A window looks up its own new calls at once. Everything else still pending — other windows'
 * rows, interrupted calls, lookups that failed or found no record yet — is resumed on a timer by
 * one window only, the one holding the credit-poll lease (`mayResume`), so /generation requests
 * do not grow with the number of windows. The timer backs off after failed rounds.
 */
import type { OpenRouterClient } from '../openrouter/client';
import type { Generation } from '../openrouter/types';
import type { GenerationFields, PendingBackfill } from '../ledger/types';
import { Disposable, toDisposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { describeError } from '../util/errors';

export interface BackfillLedger {
  pendingBackfills(): PendingBackfill[] | Promise<PendingBackfill[]>;
  completeFromGeneration(generationId: string, fields: GenerationFields): Promise<boolean>;
  abandonBackfill(generationId: string): Promise<boolean>;
}

export interface BackfillOptions {
  client(): Pick<OpenRouterClient, 'getGeneration'>;
  ledger(): Promise<BackfillLedger>;
  logger: Logger;
  /** How long one attempt keeps polling through the 404 lag. */
  waitMs: number;
  /** A row still without a record this long after its request is given up. */
  abandonAfterMs: number;
  now?: () => number;
  onCompleted?(uid: string): void;
  /** Whether this window resumes the pending rows (it holds the credit-poll lease); default: yes. */
  mayResume?(): Promise<boolean>;
  /** Timer between resume rounds (default 2 min), doubled after each round with a failure up to `retryMaxMs` (default 1 h). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const DEFAULT_RETRY_BASE_MS = 2 * 60_000;
const DEFAULT_RETRY_MAX_MS = 60 * 60_000;

/** The /generation record, mapped to the ledger's columns (native token counts are what is billed). */
export function fieldsFromGeneration(g: Generation): GenerationFields {
  return {
    modelUsed: g.model ?? undefined,
    provider: g.providerName ?? undefined,
    totalCost: g.totalCost ?? g.usage ?? undefined,
    promptTokens: g.nativeTokensPrompt ?? g.tokensPrompt ?? undefined,
    completionTokens: g.nativeTokensCompletion ?? g.tokensCompletion ?? undefined,
    reasoningTokens: g.nativeTokensReasoning ?? undefined,
    cachedTokens: g.nativeTokensCached ?? undefined,
    upstreamInferenceCost: g.upstreamInferenceCost ?? undefined,
    cacheDiscount: g.cacheDiscount ?? undefined,
    isByok: g.isByok ?? undefined,
    generationTimeMs: g.generationTimeMs ?? undefined,
    finishReason: g.finishReason ?? undefined,
  };
}

export class GenerationBackfiller extends Disposable {
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private failedRounds = 0;
  /** Set by a lookup that failed (not one that only found no record yet) since the round began. */
  private roundFailed = false;

  constructor(private readonly options: BackfillOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.register(toDisposable(() => {
      this.abort.abort();
      clearTimeout(this.timer);
    }));
  }

  /** Resumes now (if this window may) and then on the timer, backing off after failed rounds. */
  start(): void {
    if (this.timer || this.isDisposed) return;
    const round = async () => {
      this.roundFailed = false;
      try {
        await this.resume();
        await this.idle();
      } catch (err) {
        this.roundFailed = true;
        this.options.logger.warn(`resuming /generation lookups failed: ${describeError(err)}`);
      }
      this.failedRounds = this.roundFailed ? this.failedRounds + 1 : 0;
      if (this.isDisposed) return;
      const base = this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
      const delay = Math.min(base * 2 ** Math.min(this.failedRounds, 20), Math.max(base, this.options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS));
      this.timer = setTimeout(() => void round(), delay);
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void round(), 0);
    this.timer.unref?.();
  }

  /**
   * Picks up the rows the ledger still marks pending (after a reload, from other windows, earlier
   * failures) — only in the window holding the poll lease. (A row another window is looking up
   * at this very moment may be asked for twice; never once per window.)
   */
  async resume(): Promise<void> {
    if (this.options.mayResume && !(await this.options.mayResume())) return;
    for (const row of await (await this.options.ledger()).pendingBackfills()) {
      void this.enqueue(row.uid, row.generationId, Date.parse(row.ts));
    }
  }

  /** Starts (or joins) the lookup for one row; resolves when it is completed or given up for now. */
  enqueue(uid: string, generationId: string, requestedAt = this.now()): Promise<void> {
    let job = this.running.get(uid);
    if (!job) {
      job = this.run(uid, generationId, requestedAt).finally(() => this.running.delete(uid));
      this.running.set(uid, job);
    }
    return job;
  }

  /** Resolves when every lookup started so far has finished (tests, deactivate). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async run(uid: string, generationId: string, requestedAt: number): Promise<void> {
    const { logger } = this.options;
    try {
      const ledger = await this.options.ledger();
      const record = await this.options.client().getGeneration(generationId, { waitMs: this.options.waitMs, signal: this.abort.signal });
      if (record) {
        await ledger.completeFromGeneration(generationId, fieldsFromGeneration(record));
        logger.debug(`generation ${generationId} completed from /generation`);
        this.options.onCompleted?.(uid);
      } else if (this.now() - requestedAt > this.options.abandonAfterMs) {
        await ledger.abandonBackfill(generationId);
        logger.warn(`generation ${generationId}: no record from /generation after ${Math.round((this.now() - requestedAt) / 1000)} s; keeping the streamed cost`);
      } else {
        logger.info(`generation ${generationId}: /generation has no record yet; will retry later`);
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.roundFailed = true;
      logger.warn(`generation ${generationId}: lookup failed: ${describeError(err)}; will retry later`);
    }
  }
}
