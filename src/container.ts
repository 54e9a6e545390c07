/**
 * The composition root: creates every service once, in order, owns their disposal, and creates
 * the expensive ones (the sql.js ledger) lazily on first use so activation stays cheap.
 */
import * as vscode from 'vscode';
import { CommandIds } from './commands/ids';
import { affects, readConfig, type LedgerConfig } from './config';
import { registerKeyCommands, warnAboutVanishedKeys, type KeyCommandDeps } from './keys/keyCommands';
import { KeyStore } from './keys/keyStore';
import { createTransport } from './network';
import { OpenRouterClient } from './openrouter/client';
import { isOpenRouterError } from './openrouter/errors';
import type { ClosableTransport } from './openrouter/transport';
import { Disposable, toDisposable } from './util/disposable';
import type { Logger } from './util/logger';
import { CreditController } from './views/creditController';

export class Container extends Disposable {
  private config: LedgerConfig;
  private transport: ClosableTransport;
  private client: OpenRouterClient;
  readonly keys: KeyStore;
  private readonly credits: CreditController;
  private readonly keyDeps: KeyCommandDeps;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
    private readonly logger: Logger,
  ) {
    super();
    this.config = this.loadConfig();
    this.keys = this.register(new KeyStore(context.secrets, context.globalState));
    this.transport = createTransport(this.config, logger);
    this.register(toDisposable(() => void this.transport.close()));
    this.client = this.createClient();

    const storageDir = context.globalStorageUri.fsPath;
    this.credits = this.register(
      new CreditController(
        storageDir,
        this.keys,
        {
          readKey: () => this.client.getKeyInfo(),
          readCredits: () => this.client.getCredits(),
          creditsNote: (err) => describeError(err),
          describeError,
        },
        () => this.config,
        logger,
      ),
    );

    const keyDeps: KeyCommandDeps = {
      store: this.keys,
      logger,
      checkKey: (key) => this.client.getKeyInfo({ keyOverride: key }),
      readCredits: () => this.client.getCredits(),
      isRejectedKey: (err) => isOpenRouterError(err) && err.status === 401,
      describeError,
    };
    for (const d of registerKeyCommands(keyDeps)) this.register(d);
    this.register(vscode.commands.registerCommand(CommandIds.refresh, () => this.credits.refresh()));
    this.register(vscode.commands.registerCommand(CommandIds.showLog, () => this.channel.show()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => this.onConfigChanged(e)));
    this.keyDeps = keyDeps;
  }

  async start(): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
    await this.credits.start();
    await warnAboutVanishedKeys(this.keyDeps);
  }

  private loadConfig(): LedgerConfig {
    const { config, problems } = readConfig();
    for (const p of problems) {
      const message = vscode.l10n.t('Setting {0} {1}', p.setting, p.message);
      this.logger.warn(message);
      void vscode.window.showWarningMessage(message, vscode.l10n.t('Open Settings')).then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', p.setting);
      });
    }
    return config;
  }

  private createClient(): OpenRouterClient {
    return new OpenRouterClient({
      baseUrl: this.config.baseUrl,
      getKey: (kind) => this.keys.get(kind),
      transport: this.transport,
      timeoutMs: this.config.requestTimeoutSeconds * 1000,
      logger: this.logger,
    });
  }

  private onConfigChanged(e: vscode.ConfigurationChangeEvent): void {
    const networkChanged =
      affects(e, 'baseUrl', 'requestTimeoutSeconds', 'network') ||
      ['http.proxy', 'http.noProxy', 'http.proxyStrictSSL', 'http.fetchAdditionalSupport'].some((k) => e.affectsConfiguration(k));
    if (!networkChanged && !affects(e, 'pollIntervalSeconds', 'statusBar', 'ledger')) return;
    this.config = this.loadConfig();
    if (networkChanged) {
      const old = this.transport;
      this.transport = createTransport(this.config, this.logger);
      this.client = this.createClient();
      void old.close();
    }
    this.credits.onConfigChanged();
  }
}

/** The user-facing sentence for any failure; never contains a key. */
export function describeError(err: unknown): string {
  if (isOpenRouterError(err)) return err.userMessage;
  return err instanceof Error ? err.message : String(err);
}
