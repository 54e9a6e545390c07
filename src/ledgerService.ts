/**
 * Owns the ledger inside the extension: opens it lazily (never during activate()) in a worker
 * thread (dist/ledgerWorker.js, so sql.js never runs on the extension host's thread), keeps
 * OpenRouter's /activity history and credit readings in it, applies retention daily, and tells
 * the views when its rows change (from this window or another one).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openLedgerWorker, type AsyncLedger as Ledger } from './ledger/worker/client';
import { CRASH_LIMIT, CRASH_WINDOW_MS, WorkerCrashGuard } from './ledger/worker/crashGuard';
import type { LedgerWarning } from './ledger/types';
import type { LedgerConfig } from './config';
import type { OpenRouterClient } from './openrouter/client';
import type { CreditReading } from './poller/creditState';
import { Disposable, toDisposable } from './util/disposable';
import type { Logger } from './util/logger';
import { describeError } from './util/errors';
import { DAY_MS } from './util/time';

const ACTIVITY_SYNC_KEY = 'openrouterLedger.activitySyncedAt';
const RETENTION_KEY = 'openrouterLedger.retentionAppliedAt';

export class LedgerService extends Disposable {
  private opening: Promise<Ledger> | undefined;
  private closed = false;
  private readonly crashes = new WorkerCrashGuard();
  /** Set when the worker kept crashing: no reopening until the user chooses Retry. */
  private gaveUp: Error | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Rows changed in this window or another one. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: () => LedgerConfig,
    private readonly client: () => OpenRouterClient,
    private readonly hasManagementKey: () => Promise<boolean>,
    private readonly logger: Logger,
  ) {
    super();
    const daily = setInterval(() => void this.dailyChores(), DAY_MS / 24);
    this.register(toDisposable(() => clearInterval(daily)));
  }

  /** The ledger, opened on first use (the worker, sql.js and its WASM start here, not in activate()). */
  ledger(): Promise<Ledger> {
    if (this.closed) return Promise.reject(new Error('the ledger is closed (VS Code is shutting down)'));
    if (this.opening) return this.opening;
    if (this.gaveUp) return Promise.reject(this.gaveUp);
    const dist = path.join(this.context.extensionPath, 'dist');
    const opening: Promise<Ledger> = openLedgerWorker({
      dir: this.context.globalStorageUri.fsPath,
      wasmPath: path.join(dist, 'sql-wasm.wasm'),
      startWorker: () => new Worker(path.join(dist, 'ledgerWorker.js'), { name: 'OpenRouter Ledger' }),
      verifyProcess: { modulePath: path.join(dist, 'ledgerWorker.js') },
      logger: this.logger,
      onWarning: (w) => this.warn(w),
      onExternalChange: () => this.changed.fire(),
      onWorkerExit: (err) => {
        // The next use opens the ledger again in a new worker; the journals hold every acknowledged row.
        if (this.opening === opening) this.opening = undefined;
        if (this.closed) return;
        if (this.crashes.crashed(Date.now())) {
          void vscode.window.showErrorMessage(vscode.l10n.t('OpenRouter ledger: {0}', err.message));
          return;
        }
        this.gaveUp = new Error(`the ledger worker stopped ${CRASH_LIMIT} times within ${CRASH_WINDOW_MS / 60_000} minutes and is not restarted (${err.message})`);
        this.logger.error(this.gaveUp.message);
        void this.offerRetry(err);
      },
    }).catch((err: unknown) => {
      if (this.opening === opening) this.opening = undefined;
      throw err;
    });
    this.opening = opening;
    return opening;
  }

  /** One error for a worker that keeps crashing; Retry starts counting again and reopens. */
  private async offerRetry(err: Error): Promise<void> {
    const retry = vscode.l10n.t('Retry');
    const choice = await vscode.window.showErrorMessage(
      vscode.l10n.t('OpenRouter ledger stopped working twice in a few minutes and was not restarted: {0}', err.message),
      retry,
    );
    if (choice !== retry || this.closed) return;
    this.crashes.reset();
    this.gaveUp = undefined;
    try {
      await this.ledger();
      this.changed.fire();
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('OpenRouter ledger could not be opened: {0}', describeError(e)));
    }
  }

  /** Marks a change made by this window (a chat row, a backfill). */
  notifyChanged(): void {
    this.changed.fire();
  }

  get isOpen(): boolean {
    return this.opening !== undefined && !this.closed;
  }

  /** Flushes and closes for good; the snapshot on disk is then current. */
  async close(): Promise<void> {
    this.closed = true;
    const ledger = await this.opening?.catch(() => undefined);
    await ledger?.close();
  }

  /** Called with every credit reading this window fetched: keeps the time series and activity history. */
  async recordReading(reading: CreditReading): Promise<void> {
    const ledger = await this.ledger();
    await ledger.addCreditSnapshot({ at: reading.fetchedAt, keyLabel: reading.key.label, key: reading.key, credits: reading.credits });
    await this.syncActivityIfDue(ledger);
  }

  async dailyChores(): Promise<void> {
    try {
      const ledger = await this.ledger();
      const days = this.config().ledger.retentionDays;
      const last = this.context.globalState.get<number>(RETENTION_KEY, 0);
      if (days > 0 && Date.now() - last >= DAY_MS) {
        const removed = await ledger.applyRetention(days);
        await this.context.globalState.update(RETENTION_KEY, Date.now());
        if (removed > 0) {
          this.logger.info(`retention: removed ${removed} requests older than ${days} days`);
          this.changed.fire();
        }
      }
    } catch (err) {
      this.logger.warn(`ledger daily chores failed: ${describeError(err)}`);
    }
  }

  /** OpenRouter keeps 30 days of /activity; the ledger keeps it for good. Once a day, with a management key. */
  private async syncActivityIfDue(ledger: Ledger): Promise<void> {
    const last = this.context.globalState.get<number>(ACTIVITY_SYNC_KEY, 0);
    if (Date.now() - last < DAY_MS || !(await this.hasManagementKey())) return;
    try {
      const rows = await this.client().getActivity();
      const stored = await ledger.upsertActivity(rows);
      await this.context.globalState.update(ACTIVITY_SYNC_KEY, Date.now());
      this.logger.info(`activity: ${stored} daily rows stored`);
      this.changed.fire();
    } catch (err) {
      this.logger.warn(`activity sync failed: ${describeError(err)}`);
    }
  }

  private warn(warning: LedgerWarning): void {
    this.logger.warn(warning.message);
    const shown: LedgerWarning['kind'][] = ['corrupt-snapshot', 'snapshot-failed', 'snapshot-refused', 'journal-newer', 'journal-apply-failed'];
    if (shown.includes(warning.kind)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('OpenRouter ledger: {0}', warning.message));
    }
  }
}
