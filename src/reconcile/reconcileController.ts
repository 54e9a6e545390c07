/**
 * "OpenRouter: Sync Activity" and "OpenRouter: Reconcile Ledger", and the quiet reconciliation
 * after every activity sync (the daily one too). The work is vscode-free (activitySync.ts,
 * reconcile.ts, reconciler.ts, report.ts); this module talks to the user and runs the daily
 * check on a timer.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import type { Ledger } from '../ledger';
import type { KeyStore } from '../keys/keyStore';
import { keyHash } from '../keys/keyHash';
import type { OpenRouterClient } from '../openrouter/client';
import { Disposable, toDisposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import type { GeneratedDocuments } from '../lookup/lookupController';
import { syncActivity } from './activitySync';
import { Reconciler } from './reconciler';
import { buildReconcileReport } from './report';

export interface ReconcileDeps {
  client(): Pick<OpenRouterClient, 'getActivity' | 'getGeneration'>;
  ledger(): Promise<Ledger>;
  keys: KeyStore;
  documents: GeneratedDocuments;
  logger: Logger;
  describeError(err: unknown): string;
  /** Rows or activity changed (views refresh). */
  onChanged(): void;
  /** Days where OpenRouter and the ledger differ, for the generations tree's badges. */
  onDifferingDays(days: Map<string, string>): void;
  /** Shared by every window: when the last background reconciliation ran. */
  globalState: vscode.Memento;
}

const RECONCILED_AT_KEY = 'openrouterLedger.reconciledAt';
const CHECK_EVERY_MS = 60 * 60 * 1000;
/** The first background check waits until start-up (and the ledger's opening) is over. */
const FIRST_CHECK_MS = 30_000;

export class ReconcileController extends Disposable {
  private readonly reconciler: Reconciler;

  constructor(private readonly deps: ReconcileDeps) {
    super();
    this.reconciler = new Reconciler({
      client: deps.client,
      ledger: deps.ledger,
      keys: async () => {
        const [management, apiKey] = await Promise.all([deps.keys.get('management'), deps.keys.get('inference')]);
        return { management, apiKey };
      },
      lastRunAt: () => deps.globalState.get<number>(RECONCILED_AT_KEY, 0),
      setLastRunAt: (at) => deps.globalState.update(RECONCILED_AT_KEY, at),
      onChanged: deps.onChanged,
      onDifferingDays: deps.onDifferingDays,
      logger: deps.logger,
      t: vscode.l10n.t,
    });
    const command = (id: string, name: string, run: () => Promise<void>) =>
      this.register(
        vscode.commands.registerCommand(id, async () => {
          try {
            await run();
          } catch (err) {
            deps.logger.warn(`${id} failed: ${deps.describeError(err)}`);
            void vscode.window.showErrorMessage(vscode.l10n.t('{0} failed: {1}', name, deps.describeError(err)));
          }
        }),
      );
    command(CommandIds.syncActivity, vscode.l10n.t('Sync Activity'), () => this.syncCommand());
    command(CommandIds.reconcile, vscode.l10n.t('Reconcile Ledger'), () => this.reconcileCommand());
    const first = setTimeout(() => void this.dailyInBackground(), FIRST_CHECK_MS);
    const hourly = setInterval(() => void this.dailyInBackground(), CHECK_EVERY_MS);
    this.register(toDisposable(() => (clearTimeout(first), clearInterval(hourly))));
  }

  /** Once a day with both keys: sync the key's activity and reconcile quietly (badges, no document). */
  private async dailyInBackground(): Promise<void> {
    try {
      await this.reconciler.dailyTick();
    } catch (err) {
      this.deps.logger.warn(`daily activity sync and reconciliation of the key in use failed: ${this.deps.describeError(err)}`);
    }
  }

  /** After an activity sync: reconcile quietly, update the badges. */
  private async afterSync(): Promise<void> {
    try {
      await this.reconciler.run();
    } catch (err) {
      this.deps.logger.warn(`background reconciliation failed: ${this.deps.describeError(err)}`);
    }
  }

  private async requireKeys(): Promise<{ apiKey: string } | undefined> {
    const management = await this.deps.keys.get('management');
    if (!management) {
      const set = vscode.l10n.t('Set Management Key');
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('OpenRouter only shows /activity to management keys. Set one to sync and reconcile.'), set);
      if (choice === set) await vscode.commands.executeCommand(CommandIds.setManagementKey);
      return undefined;
    }
    const apiKey = await this.deps.keys.get('inference');
    if (!apiKey) {
      const set = vscode.l10n.t('Set API Key');
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Reconciliation compares the ledger with the API key in use here; none is set.'), set);
      if (choice === set) await vscode.commands.executeCommand(CommandIds.setApiKey);
      return undefined;
    }
    return { apiKey };
  }

  private async syncCommand(): Promise<void> {
    const keys = await this.requireKeys();
    if (!keys) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Syncing OpenRouter activity…') },
      async () => syncActivity(this.deps.client(), await this.deps.ledger(), keyHash(keys.apiKey)),
    );
    this.deps.logger.info(`activity: ${result.accountRows} account rows and ${result.keyRows} rows of the key in use stored`);
    this.deps.onChanged();
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Activity {0} – {1} synced: {2} daily rows for the account, {3} for the key in use here.', result.window.from, result.window.to, result.accountRows, result.keyRows),
    );
    void this.afterSync();
  }

  private async reconcileCommand(): Promise<void> {
    const keys = await this.requireKeys();
    if (!keys) return;
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reconciling the ledger with OpenRouter…') },
      async () => {
        await syncActivity(this.deps.client(), await this.deps.ledger(), keyHash(keys.apiKey));
        return this.reconciler.run();
      },
    );
    if (report) await this.deps.documents.show(`Reconciliation ${report.from} to ${report.to}`, buildReconcileReport(report, vscode.l10n.t));
  }
}
