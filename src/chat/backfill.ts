/**
 * Completes audited rows with OpenRouter's exact record from /generation, which appears only
 * some time after a completion ends (404 until then). Runs in the background; the list of rows
 * still waiting lives in the ledger (backfill = 'pending'), so a window reload resumes it.
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
}

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

  constructor(private readonly options: BackfillOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.register(toDisposable(() => this.abort.abort()));
  }

  /** Picks up every row the ledger still marks pending (after a reload, or from another window). */
  async resume(): Promise<void> {
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
        logger.info(`generation ${generationId}: /generation has no record yet; will retry after reload`);
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      logger.warn(`generation ${generationId}: lookup failed: ${describeError(err)}`);
    }
  }
}
