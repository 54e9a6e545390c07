/**
 * Wires the credit poller to VS Code: window focus, settings, key changes, the refresh command,
 * threshold notifications, and the status-bar item.
 */
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { LedgerConfig } from '../config';
import type { KeyStore } from '../keys/keyStore';
import type { Credits, KeyInfo } from '../openrouter/types';
import { CreditPoller } from '../poller/creditPoller';
import { CreditStateFile, EMPTY_STATE, type CreditReading, type SharedCreditState } from '../poller/creditState';
import { SETTINGS_URLS } from '../openrouter/errors';
import { PollLease } from '../poller/lease';
import { computeSpendable, levelFor, type Level } from '../poller/spendable';
import { Disposable, toDisposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { formatUsd } from '../util/money';
import { CreditStatusBar } from './creditStatusBar';
import { buildCreditView, type ViaExtensionToday } from './creditTooltip';

const TICK_MS = 5_000;
const RERENDER_MS = 30_000;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
/** Focusing a window refreshes once the shared reading is this old (or half an interval, if longer). */
const FOCUS_REFRESH_AFTER_MS = 30_000;

export interface CreditSource {
  readKey(): Promise<KeyInfo>;
  readCredits(): Promise<Credits>;
  /** Why /credits gave no figure, in words for the tooltip (e.g. "needs a management key"). */
  creditsNote(err: unknown): string;
  /** The user-facing sentence for a failure, in the user's language (shown in the tooltip). */
  describeError(err: unknown): string;
}

export class CreditController extends Disposable {
  private readonly statusBar = this.register(new CreditStatusBar());
  private readonly stateFile: CreditStateFile;
  private readonly poller: CreditPoller;
  private readonly pollLease: PollLease;
  private state: SharedCreditState | undefined;
  private hasKey = false;
  private keySource: 'secret-storage' | 'environment' | undefined;
  private viaExtensionToday: ViaExtensionToday | null = null;
  private readonly fetched = this.register(new vscode.EventEmitter<CreditReading>());
  /** A reading this window fetched itself (other windows' readings arrive through the shared file). */
  readonly onDidFetchReading = this.fetched.event;
  private readonly stateChanged = this.register(new vscode.EventEmitter<void>());
  /** The shared credit state changed: a reading of this window or another one landed (the dashboard refreshes). */
  readonly onDidChangeState = this.stateChanged.event;

  constructor(
    storageDir: string,
    private readonly keys: KeyStore,
    private readonly source: CreditSource,
    private readonly config: () => LedgerConfig,
    private readonly logger: Logger,
  ) {
    super();
    this.stateFile = new CreditStateFile(storageDir);
    const intervalMs = config().pollIntervalSeconds * 1000;
    this.poller = this.register(
      new CreditPoller({
        intervalMs,
        tickMs: Math.min(TICK_MS, intervalMs),
        focusRefreshAfterMs: Math.max(FOCUS_REFRESH_AFTER_MS, intervalMs / 2),
        maxBackoffMs: MAX_BACKOFF_MS,
        canPoll: async () => this.hasKey,
        fetchReading: () => this.fetchReading(),
        describeError: (err) => source.describeError(err),
        levelOf: (reading) => this.levelOf(reading),
        stateFile: this.stateFile,
        lease: (this.pollLease = new PollLease(storageDir, randomUUID(), Math.max(2 * intervalMs, 60_000))),
        logger,
        onState: (state) => {
          this.state = state;
          this.render();
          this.stateChanged.fire();
        },
        onLevelDrop: (level, reading) => void this.notifyLevelDrop(level, reading).catch(() => undefined),
      }),
    );
    this.register(vscode.window.onDidChangeWindowState((s) => this.poller.setFocused(s.focused)));
    this.register(keys.onDidChange(() => void this.onKeysChanged().catch((err) => logger.warn(`key change: ${source.describeError(err)}`))));
    const rerender = setInterval(() => this.render(), RERENDER_MS);
    this.register(toDisposable(() => clearInterval(rerender)));
  }

  async start(): Promise<void> {
    await this.updateKeyPresence();
    this.render();
    this.poller.setFocused(vscode.window.state.focused);
    this.poller.start();
  }

  setClickCommand(command: string): void {
    this.statusBar.setClickCommand(command);
    this.render();
  }

  /** Whether this window holds the credit-poll lease (background work one window does for all, e.g. /generation backfills). */
  holdsPollLease(): Promise<boolean> {
    return this.pollLease.isHeld();
  }

  /** The last /key reading with the time it was taken, for budget checks against OpenRouter's own counters (a reading from yesterday says nothing about today). */
  get keyReading(): { key: KeyInfo; fetchedAt: number } | null {
    const reading = this.state?.reading;
    return reading ? { key: reading.key, fetchedAt: reading.fetchedAt } : null;
  }

  /** The last shared reading (any window's), for the dashboard and the cost view. */
  get reading(): CreditReading | null {
    return this.state?.reading ?? null;
  }

  /** Shows what the ledger recorded today; called whenever the ledger changes (this or another window). */
  setViaExtensionToday(totals: ViaExtensionToday | null): void {
    this.viaExtensionToday = totals;
    this.render();
  }

  onConfigChanged(): void {
    this.poller.setIntervalMs(this.config().pollIntervalSeconds * 1000);
    this.render();
  }

  /** Refreshes without any notification (after a settings change); failures show in the tooltip. */
  async refreshQuietly(): Promise<void> {
    if (this.hasKey) await this.poller.refreshAfterChange().catch(() => undefined);
  }

  async refresh(): Promise<void> {
    if (!this.hasKey) {
      await vscode.commands.executeCommand('openrouterLedger.setApiKey');
      return;
    }
    const state = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Refreshing OpenRouter credits…') },
      () => this.poller.refreshNow(),
    );
    if (state.lastError && (!state.reading || state.lastError.at >= state.reading.fetchedAt)) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not refresh OpenRouter credits: {0}', state.lastError.message));
    }
  }

  private async updateKeyPresence(): Promise<void> {
    const inference = await this.keys.status('inference');
    const management = await this.keys.status('management');
    const active = inference.source ? inference : management;
    this.hasKey = !!active.source;
    this.keySource = active.source;
  }

  private async onKeysChanged(): Promise<void> {
    await this.updateKeyPresence();
    // The shared reading belongs to the previous key; the window the user is in fetches anew
    // and the others pick its reading up from the shared file.
    if (vscode.window.state.focused) {
      await this.stateFile.clear();
      this.state = undefined;
      this.render();
      if (this.hasKey) await this.poller.refreshAfterChange();
    } else {
      this.render();
    }
  }

  private async fetchReading(): Promise<CreditReading> {
    const key = await this.source.readKey();
    let credits: Credits | null = null;
    let creditsNote: string | null = null;
    try {
      credits = await this.source.readCredits();
    } catch (err) {
      creditsNote = this.source.creditsNote(err);
    }
    const reading = { fetchedAt: Date.now(), key, credits, creditsNote };
    this.fetched.fire(reading);
    return reading;
  }

  private levelOf(reading: CreditReading): Level {
    return levelFor(computeSpendable(reading.key, reading.credits).amount, this.config().statusBar);
  }

  private viewInput() {
    const config = this.config();
    return {
      state: this.state ?? EMPTY_STATE,
      hasKey: this.hasKey,
      keySource: this.keySource,
      thresholds: config.statusBar,
      intervalMs: config.pollIntervalSeconds * 1000,
      now: Date.now(),
      viaExtensionToday: this.viaExtensionToday,
    };
  }

  private render(): void {
    if (this.isDisposed) return;
    this.statusBar.render(buildCreditView(this.viewInput(), vscode.l10n.t), this.hasKey);
  }

  private async notifyLevelDrop(level: Level, reading: CreditReading): Promise<void> {
    const spendable = computeSpendable(reading.key, reading.credits);
    const amount = spendable.amount;
    if (amount === null) return;
    const { warnBelow, criticalBelow } = this.config().statusBar;
    const byKeyLimit = spendable.binding === 'key-limit';
    const message =
      level === 'critical'
        ? vscode.l10n.t('OpenRouter: only {0} left to spend — below your critical threshold of {1}.', formatUsd(amount), formatUsd(criticalBelow))
        : vscode.l10n.t('OpenRouter: {0} left to spend — below your warning threshold of {1}.', formatUsd(amount), formatUsd(warnBelow));
    const action = byKeyLimit ? vscode.l10n.t('Open Key Settings') : vscode.l10n.t('Add Credits');
    const show = level === 'critical' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    this.logger.info(`spendable ${formatUsd(amount)} crossed into ${level}`);
    if ((await show(message, action)) === action) {
      const url = byKeyLimit ? SETTINGS_URLS.keys : SETTINGS_URLS.credits;
      await vscode.env.openExternal(vscode.Uri.parse(url));
    }
  }
}
