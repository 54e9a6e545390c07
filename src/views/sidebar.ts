/**
 * The OpenRouter activity-bar container's trees and their commands: Keys, Recent Generations,
 * the generation look-up and reconciliation. (Its first view, the cost webview, is the
 * dashboard's.) Creates each part once and owns it.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import type { LedgerConfig } from '../config';
import type { Ledger } from '../ledger';
import { keyInUse } from '../keys/keyHash';
import type { KeyStore } from '../keys/keyStore';
import { LookupController } from '../lookup/lookupController';
import type { OpenRouterClient } from '../openrouter/client';
import { ReconcileController } from '../reconcile/reconcileController';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { GenerationsTreeProvider } from './generations/generationsTree';
import { registerKeyActions } from './keys/keyActions';
import { HAS_MANAGEMENT_KEY_CONTEXT, KeysTreeProvider } from './keys/keysTree';

const HAS_API_KEY_CONTEXT = 'openrouterLedger.hasApiKey';

export interface SidebarDeps {
  client(): OpenRouterClient;
  ledger(): Promise<Ledger>;
  onLedgerChanged: vscode.Event<void>;
  notifyLedgerChanged(): void;
  keys: KeyStore;
  config(): LedgerConfig;
  globalState: vscode.Memento;
  logger: Logger;
  describeError(err: unknown): string;
  /** The masked label of the credit poller's last `GET /key` (the API key's own record), when read. */
  lastReadKeyLabel(): string | undefined;
}

export class Sidebar extends Disposable {
  constructor(deps: SidebarDeps) {
    super();
    const inUseKey = async () => {
      const key = await deps.keys.get('inference');
      return key ? keyInUse(key, deps.lastReadKeyLabel()) : undefined;
    };
    const keysTree = this.register(
      new KeysTreeProvider(
        {
          listKeys: (includeDisabled) => deps.client().listApiKeys({ includeDisabled }),
          inUseKey,
          hasManagementKey: async () => !!(await deps.keys.get('management')),
          describeError: deps.describeError,
          pollSeconds: () => deps.config().pollIntervalSeconds,
        },
        deps.logger,
      ),
    );
    for (const d of registerKeyActions({ client: deps.client, keys: deps.keys, tree: keysTree, inUseKey, logger: deps.logger, describeError: deps.describeError })) {
      this.register(d);
    }

    const generations = this.register(
      new GenerationsTreeProvider({ ledger: deps.ledger, timeZone: () => deps.config().ledger.timeZone, onDidChange: deps.onLedgerChanged }, deps.logger),
    );
    this.register(vscode.commands.registerCommand(CommandIds.refreshGenerations, () => deps.notifyLedgerChanged()));
    this.register(vscode.commands.registerCommand(CommandIds.loadMoreGenerations, () => generations.loadMore()));

    const lookup = this.register(
      new LookupController({ client: deps.client, ledger: deps.ledger, logger: deps.logger, describeError: deps.describeError, onChanged: deps.notifyLedgerChanged }),
    );
    this.register(
      new ReconcileController({
        client: deps.client,
        ledger: deps.ledger,
        keys: deps.keys,
        documents: lookup.documents,
        logger: deps.logger,
        describeError: deps.describeError,
        onChanged: deps.notifyLedgerChanged,
        onDifferingDays: (days) => generations.setDifferingDays(days),
        globalState: deps.globalState,
      }),
    );

    const updateKeyContexts = async () => {
      await vscode.commands.executeCommand('setContext', HAS_API_KEY_CONTEXT, !!(await deps.keys.get('inference')));
      await vscode.commands.executeCommand('setContext', HAS_MANAGEMENT_KEY_CONTEXT, !!(await deps.keys.get('management')));
    };
    void updateKeyContexts();
    this.register(
      deps.keys.onDidChange(() => {
        void updateKeyContexts();
        // A new API key changes which key is "in use here"; a new management key makes the list possible.
        void keysTree.refresh();
      }),
    );
  }
}
