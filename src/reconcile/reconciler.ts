/**
 * Running reconciliation (no `vscode` import): one run at a time — a second request joins the
 * running one — whose differing days go to the generations tree's badges, and the daily
 * background run: at most once a day across all windows, with both keys set, sync `/activity`
 * for the key in use here, then reconcile quietly (badges, no document). ReconcileController calls
 * `dailyTick()` shortly after start-up and then every hour. The clock is passed in, so tests move
 * days forward without waiting.
 */
import type { Ledger } from '../ledger';
import { keyHash } from '../keys/keyHash';
import { maskKey } from '../keys/mask';
import type { OpenRouterClient } from '../openrouter/client';
import { plainTranslate, type Translate } from '../util/l10n';
import type { Logger } from '../util/logger';
import { DAY_MS } from '../util/time';
import { activityWindow, syncActivity } from './activitySync';
import { differingDays, reconcile, type ReconcileLedger, type Reconciliation } from './reconcile';

export interface ReconcilerDeps {
  client(): Pick<OpenRouterClient, 'getActivity' | 'getGeneration'>;
  ledger(): Promise<ReconcileLedger & Pick<Ledger, 'upsertActivity'>>;
  /** The management key and the API key in use here (undefined when not set). */
  keys(): Promise<{ management: string | undefined; apiKey: string | undefined }>;
  /** When the last background run started (epoch ms, 0 for never), shared by every window. */
  lastRunAt(): number;
  setLastRunAt(at: number): PromiseLike<void>;
  /** Rows or activity changed (views refresh). */
  onChanged(): void;
  /** UTC days (YYYY-MM-DD) where OpenRouter and the ledger differ, each with a one-line reason. */
  onDifferingDays(days: Map<string, string>): void;
  logger: Logger;
  t?: Translate;
  now?(): number;
}

export type DailyTick =
  | { ran: false; why: 'not-due' | 'no-keys' }
  | { ran: true; keyRows: number; reconciliation: Reconciliation | undefined };

export class Reconciler {
  private running: Promise<Reconciliation | undefined> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Reconciles the last 30 completed UTC days; undefined without an API key. */
  run(): Promise<Reconciliation | undefined> {
    this.running ??= this.reconcileNow().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The daily background run, if a day has passed since the last one (in any window). */
  async dailyTick(): Promise<DailyTick> {
    const now = this.now();
    if (now - this.deps.lastRunAt() < DAY_MS) return { ran: false, why: 'not-due' };
    const { management, apiKey } = await this.deps.keys();
    if (!management || !apiKey) return { ran: false, why: 'no-keys' };
    // Stamped first: a window starting meanwhile does not run it a second time.
    await this.deps.setLastRunAt(now);
    // The account-wide rows are LedgerService's daily sync; this adds the key in use here.
    const sync = await syncActivity(this.deps.client(), await this.deps.ledger(), keyHash(apiKey), { account: false, now });
    this.deps.onChanged();
    return { ran: true, keyRows: sync.keyRows, reconciliation: await this.run() };
  }

  private async reconcileNow(): Promise<Reconciliation | undefined> {
    const { apiKey } = await this.deps.keys();
    if (!apiKey) return undefined;
    const t = this.deps.t ?? plainTranslate;
    const now = this.now();
    const result = await reconcile({
      client: this.deps.client(),
      ledger: await this.deps.ledger(),
      keyLabel: maskKey(apiKey),
      keyHash: keyHash(apiKey),
      days: activityWindow(now),
      now,
      t,
    });
    this.deps.logger.info(
      `reconciliation ${result.from}..${result.to}: ${result.priced} priced, ${result.unpriced.length} unpriceable, ${result.comparisons.filter((c) => c.kind !== 'match').length} differences`,
    );
    if (result.priced > 0) this.deps.onChanged();
    this.deps.onDifferingDays(differingDays(result.comparisons, t));
    return result;
  }
}
