/**
 * "OpenRouter: Sync Activity" and "OpenRouter: Reconcile Ledger", and the quiet reconciliation
 * after every activity sync (the daily one too). The work is vscode-free (activitySync.ts,
 * reconcile.ts, report.ts); this module talks to the user and hands the differing days to the
 * generations tree.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import type { Ledger } from '../ledger';
import type { KeyStore } from '../keys/keyStore';
import { keyHash } from '../keys/keyHash';
import { maskKey } from '../keys/mask';
import type { OpenRouterClient } from '../openrouter/client';
import { Disposable, toDisposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import type { GeneratedDocuments } from '../lookup/lookupController';
import { activityWindow, syncActivity } from './activitySync';
import { differingDays, reconcile, type Reconciliation } from './reconcile';
import { buildReconcileReport } from './report';
import { DAY_MS } from '../util/time';

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
  private running: Promise<Reconciliation | undefined> | undefined;

  constructor(private readonly deps: ReconcileDeps) {
    super();
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
    if (Date.now() - this.deps.globalState.get<number>(RECONCILED_AT_KEY, 0) < DAY_MS) return;
    const [management, apiKey] = await Promise.all([this.deps.keys.get('management'), this.deps.keys.get('inference')]);
    if (!management || !apiKey) return;
    try {
      await this.deps.globalState.update(RECONCILED_AT_KEY, Date.now());
      // The account-wide rows are LedgerService's daily sync; this adds the key in use here.
      await syncActivity(this.deps.client(), await this.deps.ledger(), keyHash(apiKey), { account: false });
      this.deps.onChanged();
      await this.afterSync();
    } catch (err) {
      this.deps.logger.warn(`daily activity sync of the key in use failed: ${this.deps.describeError(err)}`);
    }
  }

  /** After an activity sync: reconcile quietly, update the badges. */
  private async afterSync(): Promise<void> {
    try {
      await this.run();
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
        return this.run();
      },
    );
    if (report) await this.deps.documents.show(`Reconciliation ${report.from} to ${report.to}`, buildReconcileReport(report, vscode.l10n.t));
  }

  /** One reconciliation at a time; a second request joins the running one. */
  private run(): Promise<Reconciliation | undefined> {
    this.running ??= this.reconcileNow().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reconcileNow(): Promise<Reconciliation | undefined> {
    const apiKey = await this.deps.keys.get('inference');
    if (!apiKey) return undefined;
    const ledger = await this.deps.ledger();
    const result = await reconcile({
      client: this.deps.client(),
      ledger,
      keyLabel: maskKey(apiKey),
      keyHash: keyHash(apiKey),
      days: activityWindow(Date.now()),
      t: vscode.l10n.t,
    });
    this.deps.logger.info(
      `reconciliation ${result.from}..${result.to}: ${result.priced} priced, ${result.unpriced.length} unpriceable, ${result.comparisons.filter((c) => c.kind !== 'match').length} differences`,
    );
    if (result.priced > 0) this.deps.onChanged();
    this.deps.onDifferingDays(differingDays(result.comparisons, vscode.l10n.t));
    return result;
  }
}
