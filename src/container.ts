/**
 * The composition root: creates every service once, in order, owns their disposal, and creates
 * the expensive ones (the sql.js ledger) lazily on first use so activation stays cheap.
 */
import * as vscode from 'vscode';
import { CommandIds } from './commands/ids';
import { affects, readConfig, SECTION, type LedgerConfig } from './config';
import { registerKeyCommands, warnAboutVanishedKeys, type KeyCommandDeps } from './keys/keyCommands';
import { KeyStore } from './keys/keyStore';
import { createTransport } from './network';
import { OpenRouterClient } from './openrouter/client';
import { isOpenRouterError } from './openrouter/errors';
import { describeError } from './util/errors';
import { DAY_MS } from './util/time';
import { currentGitBranch } from './chat/gitBranch';
import type { ClosableTransport } from './openrouter/transport';
import { Disposable, toDisposable } from './util/disposable';
import type { Logger } from './util/logger';
import { CreditController } from './views/creditController';
import { LedgerService } from './ledgerService';
import { GenerationBackfiller } from './chat/backfill';
import { InFlightCalls } from './chat/inFlight';
import { ModelCatalog } from './chat/modelCatalog';
import { ChatController } from './chat/chatController';
import { reopeningChatLedger } from './chat/ledgerSink';
import { registerLedgerCommands } from './commands/ledgerCommands';
import { Sidebar } from './views/sidebar';
import { createHash } from 'node:crypto';
import { balanceFromReading, registerWebviews } from './webviews';
import { keyHash } from './keys/keyHash';

const LEDGER_OPEN_DELAY_MS = 1_500;
const LEDGER_TOTALS_REFRESH_MS = 60_000;

/** `describeError` in the user's language, for everything shown; logs keep the English `describeError`. */
const describeForUser = (err: unknown) => describeError(err, vscode.l10n.t);

export class Container extends Disposable {
  private reportedProblems = new Set<string>();
  private config: LedgerConfig;
  private transport: ClosableTransport;
  private client: OpenRouterClient;
  readonly keys: KeyStore;
  private readonly credits: CreditController;
  private readonly keyDeps: KeyCommandDeps;
  readonly ledger: LedgerService;
  private readonly backfiller: GenerationBackfiller;
  /** Chat calls streaming now: aborted and recorded as cancelled at shutdown, before the ledger closes. */
  private readonly inFlight = new InFlightCalls();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
    private readonly logger: Logger,
  ) {
    super();
    this.config = this.loadConfig();
    this.keys = this.register(
      new KeyStore(context.secrets, context.globalState, process.env, (err) => this.onSecretStorageUnavailable(err)),
    );
    this.transport = createTransport(this.config, logger, (message) => this.warnOnce(message));
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
          creditsNote: describeForUser,
          describeError: describeForUser,
        },
        () => this.config,
        logger,
      ),
    );

    this.ledger = this.register(
      new LedgerService(context, () => this.config, () => this.client, async () => !!(await this.keys.get('management')), logger),
    );
    this.register(this.credits.onDidFetchReading((reading) => void this.ledger.recordReading(reading).catch((err) => logger.warn(`credit snapshot not stored: ${describeError(err)}`))));
    this.register(this.ledger.onDidChange(() => void this.refreshLedgerTotals()));
    // "Today" moves at midnight even when no row does.
    const totals = setInterval(() => void this.refreshLedgerTotals(), LEDGER_TOTALS_REFRESH_MS);
    this.register(toDisposable(() => clearInterval(totals)));
    this.backfiller = this.register(
      new GenerationBackfiller({
        client: () => this.client,
        ledger: () => this.ledger.ledger(),
        logger,
        waitMs: 60_000,
        abandonAfterMs: DAY_MS,
        onCompleted: () => this.ledger.notifyChanged(),
        // One window resumes everyone's pending lookups: the one that polls credits.
        mayResume: () => this.credits.holdsPollLease(),
      }),
    );
    const catalog = new ModelCatalog(() => this.client, () => this.ledger.ledger());
    this.register(
      new ChatController({
        client: () => this.client,
        // Resolved per write: a call streaming when the ledger worker crashes is recorded by the reopened one.
        ledger: async () => reopeningChatLedger(() => this.ledger.ledger()),
        catalog,
        backfiller: this.backfiller,
        inFlight: this.inFlight,
        keys: this.keys,
        config: () => this.config,
        keyInfo: () => this.credits.keyReading,
        localUserId: `vscode-${createHash('sha256').update(vscode.env.machineId).digest('hex').slice(0, 12)}`,
        globalState: context.globalState,
        logger,
        describeError: describeForUser,
        gitBranch: () => currentGitBranch(),
        onRecorded: () => this.ledger.notifyChanged(),
      }),
    );
    for (const d of registerLedgerCommands({
      ledger: () => this.ledger.ledger(),
      logger,
      timeZone: () => this.config.ledger.timeZone,
      onChanged: () => this.ledger.notifyChanged(),
      globalState: context.globalState,
    })) {
      this.register(d);
    }

    const keyDeps: KeyCommandDeps = {
      store: this.keys,
      logger,
      checkKey: (key, slot) => this.client.getKeyInfo({ keyOverride: key, kind: slot }),
      readCredits: () => this.client.getCredits(),
      isRejectedKey: (err) => isOpenRouterError(err) && err.status === 401,
      describeError: describeForUser,
    };
    for (const d of registerKeyCommands(keyDeps)) this.register(d);
    // The OpenRouter sidebar's trees, the generation look-up and reconciliation (issue 7).
    this.register(
      new Sidebar({
        client: () => this.client,
        ledger: () => this.ledger.ledger(),
        onLedgerChanged: this.ledger.onDidChange,
        notifyLedgerChanged: () => this.ledger.notifyChanged(),
        keys: this.keys,
        config: () => this.config,
        globalState: context.globalState,
        logger,
        describeError: describeForUser,
        lastReadKeyLabel: () => this.credits.keyReading?.key.label,
      }),
    );
    // The Spend Dashboard panel and the sidebar cost view (issue 8).
    for (const d of registerWebviews({
      extensionUri: context.extensionUri,
      ledger: () => this.ledger.ledger(),
      onLedgerChange: this.ledger.onDidChange,
      onCreditChange: this.credits.onDidChangeState,
      balance: () => {
        const reading = this.credits.reading;
        return reading ? balanceFromReading(reading) : null;
      },
      keyReading: () => this.credits.keyReading,
      config: () => this.config,
      catalogue: () => catalog.models(),
      analytics: async () => ((await this.keys.get('management')) ? { query: (q) => this.client.queryAnalytics(q) } : null),
      keyHash: async () => {
        const key = await this.keys.get('inference');
        return key ? keyHash(key) : null;
      },
      logger,
    })) {
      this.register(d);
    }
    this.register(vscode.commands.registerCommand(CommandIds.refresh, () => this.credits.refresh()));
    this.register(vscode.commands.registerCommand(CommandIds.showLog, () => this.channel.show()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => this.onConfigChanged(e)));
    this.keyDeps = keyDeps;
  }

  async start(): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
    await this.credits.start();
    // The ledger (sql.js + WASM) opens after start-up, never inside activate().
    const opener = setTimeout(() => void this.openLedgerInBackground(), LEDGER_OPEN_DELAY_MS);
    this.register(toDisposable(() => clearTimeout(opener)));
    await warnAboutVanishedKeys(this.keyDeps);
  }

  /** Flushes the ledger so the file on disk is current when VS Code shuts the extension down. */
  async shutdown(): Promise<void> {
    await this.inFlight.abortAll();
    await this.ledger.close();
  }

  private async openLedgerInBackground(): Promise<void> {
    try {
      await this.ledger.ledger();
      await this.refreshLedgerTotals();
      this.backfiller.start();
      await this.ledger.dailyChores();
    } catch (err) {
      this.logger.error(`the ledger could not be opened: ${describeError(err)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('OpenRouter ledger could not be opened: {0}', describeForUser(err)));
    }
  }

  private async refreshLedgerTotals(): Promise<void> {
    if (!this.ledger.isOpen) return;
    try {
      const ledger = await this.ledger.ledger();
      // UTC, like the OpenRouter usage figures beside it in the tooltip and the daily budget.
      const today = (await ledger.queries.budgetTotals('utc')).todayViaExtension;
      this.credits.setViaExtensionToday({ requests: today.requests, cost: today.cost, uncosted: today.uncosted ?? 0 });
    } catch (err) {
      this.logger.debug(`ledger totals unavailable: ${describeError(err)}`);
    }
  }

  private readonly warnedOnce = new Set<string>();

  /** A warning shown once per window session (e.g. an unusable proxy, re-detected at every settings change). */
  private warnOnce(message: string): void {
    if (this.warnedOnce.has(message)) return;
    this.warnedOnce.add(message);
    void vscode.window.showWarningMessage(message);
  }

  private secretStorageWarned = false;

  private onSecretStorageUnavailable(err: unknown): void {
    this.logger.error(`secret storage unavailable: ${describeError(err)}`);
    if (this.secretStorageWarned) return;
    this.secretStorageWarned = true;
    void vscode.window.showErrorMessage(
      vscode.l10n.t(
        'VS Code could not read its secret storage ({0}), so your OpenRouter keys cannot be read. On Linux this usually means no OS keyring: set "password-store" in "Preferences: Configure Runtime Arguments" and restart, or set OPENROUTER_API_KEY in the environment.',
        describeForUser(err),
      ),
    );
  }

  /** Reads the settings; a problem is reported once, not again on every later change. */
  private loadConfig(): LedgerConfig {
    const { config, problems } = readConfig();
    const current = new Set(problems.map((p) => `${p.setting} ${p.message}`));
    for (const p of problems) {
      const text = `${p.setting} ${p.message}`;
      if (this.reportedProblems.has(text)) continue;
      const message = p.message;
      this.logger.warn(message);
      void vscode.window.showWarningMessage(message, vscode.l10n.t('Open Settings')).then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', p.setting);
      });
    }
    this.reportedProblems = current;
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
    if (!networkChanged && !e.affectsConfiguration(SECTION)) return;
    // Chat, audit and budget settings are read from this.config at every send, so re-reading is enough for them.
    this.config = this.loadConfig();
    if (networkChanged) {
      const old = this.transport;
      this.transport = createTransport(this.config, this.logger, (message) => this.warnOnce(message));
      this.client = this.createClient();
      void old.close();
      // The shared reading came from the old endpoint: never show it as current.
      void this.credits.refreshQuietly();
    }
    if (affects(e, 'pollIntervalSeconds', 'statusBar')) this.credits.onConfigChanged();
    if (affects(e, 'ledger')) void this.refreshLedgerTotals();
  }
}


