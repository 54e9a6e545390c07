/**
 * The command-palette chat: "Chat" (new or continue), "New Chat", "Ask About Selection",
 * "Select Chat Model", "Refresh Model Prices". The answer streams into a read-only Markdown
 * document; a progress notification shows tokens and the running cost with Cancel. Every call
 * passes the budget pre-flight and is audited (see auditedCall.ts).
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import type { LedgerConfig } from '../config';
import type { KeyStore } from '../keys/keyStore';
import { maskKey } from '../keys/mask';
import type { OpenRouterClient } from '../openrouter/client';
import { isOpenRouterError, SETTINGS_URLS } from '../openrouter/errors';
import { scrubSecrets } from '../keys/mask';
import type { ChatRequest, KeyInfo, ModelInfo } from '../openrouter/types';
import { effectivePricing } from '../budget/pricing';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { formatUsd } from '../util/money';
import { runAuditedStream, type AuditContext, type AuditSink } from './auditedCall';
import type { GenerationBackfiller } from './backfill';
import type { InFlightCalls } from './inFlight';
import { ChatSession } from './chatSession';
import type { ModelCatalog } from './modelCatalog';
import { pickModel } from './modelPicker';
import { preflight, type LedgerSpend } from './preflight';

export const CHAT_SCHEME = 'openrouter-chat';
const RENDER_THROTTLE_MS = 80;

export interface ChatLedger extends AuditSink {
  spentSince(from: Date): Promise<LedgerSpend>;
}

export interface ChatDeps {
  client(): OpenRouterClient;
  ledger(): Promise<ChatLedger>;
  catalog: ModelCatalog;
  backfiller: GenerationBackfiller;
  /** Calls streaming in this window (shutdown aborts them and waits for their rows). */
  inFlight: InFlightCalls;
  keys: KeyStore;
  config(): LedgerConfig;
  /** The last /key reading and when it was taken (OpenRouter's own daily/monthly usage for the budget check). */
  keyInfo(): { key: KeyInfo; fetchedAt: number } | null;
  /** A stable id for this machine, used when audit.userId is empty. */
  localUserId: string;
  globalState: vscode.Memento;
  logger: Logger;
  /** The user-facing sentence for a failure, in the user's language. */
  describeError(err: unknown): string;
  gitBranch(): string | null;
  onRecorded(): void;
}

class ChatDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  readonly sessions = new Map<string, ChatSession>();

  uriFor(session: ChatSession): vscode.Uri {
    return vscode.Uri.from({ scheme: CHAT_SCHEME, path: session.documentPath });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.sessions.get(uri.path)?.render(vscode.l10n.t) ?? vscode.l10n.t('This chat is no longer open. Run "OpenRouter: New Chat".');
  }

  update(session: ChatSession): void {
    this.changed.fire(this.uriFor(session));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export class ChatController extends Disposable {
  private readonly documents = this.register(new ChatDocuments());
  private session: ChatSession | undefined;
  private sessionCount = 0;
  /** One reply at a time: a second send would interleave two turns of the same conversation. */
  private streaming = false;

  constructor(private readonly deps: ChatDeps) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(CHAT_SCHEME, this.documents));
    const command = (id: string, run: (...args: never[]) => Promise<void>) =>
      this.register(
        vscode.commands.registerCommand(id, async (...args: never[]) => {
          try {
            await run(...args);
          } catch (err) {
            deps.logger.error(`${id} failed: ${deps.describeError(err)}`);
            void vscode.window.showErrorMessage(vscode.l10n.t('OpenRouter chat failed: {0}', deps.describeError(err)));
          }
        }),
      );
    command(CommandIds.chat, () => this.chat(false));
    command(CommandIds.newChat, (args?: { tags?: string[] }) => this.chat(true, undefined, args?.tags));
    command(CommandIds.askAboutSelection, () => this.askAboutSelection());
    command(CommandIds.selectModel, () => this.selectModel());
    command(CommandIds.refreshModels, () => this.refreshModels());
  }

  private async ensureKey(): Promise<boolean> {
    if (await this.deps.keys.get('inference')) return true;
    const set = vscode.l10n.t('Set API Key');
    if ((await vscode.window.showWarningMessage(vscode.l10n.t('Chat needs an OpenRouter API key.'), set)) === set) {
      await vscode.commands.executeCommand(CommandIds.setApiKey);
    }
    return !!(await this.deps.keys.get('inference'));
  }

  private async loadModels(refresh = false): Promise<ModelInfo[] | undefined> {
    try {
      return await this.deps.catalog.models({ refresh });
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not load OpenRouter models: {0}', this.deps.describeError(err)));
      return undefined;
    }
  }

  private async chooseModel(current?: string): Promise<string | undefined> {
    const models = await this.loadModels();
    if (!models) return undefined;
    return pickModel(models, this.deps.globalState, this.deps.config().chat.defaultModel, current);
  }

  private async newSession(tags: string[] = []): Promise<ChatSession | undefined> {
    const model = await this.chooseModel();
    return model ? this.startSession(model, tags) : undefined;
  }

  private startSession(model: string, tags: string[] = []): ChatSession {
    this.session = new ChatSession(model, ++this.sessionCount, tags);
    this.documents.sessions.set(this.session.documentPath, this.session);
    return this.session;
  }

  private async selectModel(): Promise<void> {
    const model = await this.chooseModel(this.session?.model);
    if (!model) return;
    if (this.session) {
      this.session.model = model;
      this.documents.update(this.session);
    } else {
      this.startSession(model);
    }
  }

  private async refreshModels(): Promise<void> {
    const models = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Refreshing OpenRouter model prices…') },
      () => this.loadModels(true),
    );
    if (models) void vscode.window.showInformationMessage(vscode.l10n.t('{0} models with current prices loaded.', models.length));
  }

  private async askAboutSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    if (!editor || !selection) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select some text in an editor first.'));
      return;
    }
    const fence = selection.includes('```') ? '````' : '```';
    const context = `${fence}${editor.document.languageId}\n${selection}\n${fence}`;
    await this.chat(false, (question) => `${question}\n\n${context}`);
  }

  private async chat(forceNew: boolean, wrap?: (question: string) => string, tags?: string[]): Promise<void> {
    if (this.streaming) {
      void vscode.window.showInformationMessage(vscode.l10n.t('A reply is still streaming. Wait for it, or cancel it in its notification.'));
      return;
    }
    if (!(await this.ensureKey())) return;
    const session = !forceNew && this.session ? this.session : await this.newSession(tags);
    if (!session) return;
    const question = await vscode.window.showInputBox({
      title: vscode.l10n.t('OpenRouter Chat {0} — {1}', session.number, session.model),
      prompt: vscode.l10n.t('Ask anything. The conversation continues until "OpenRouter: New Chat".'),
      ignoreFocusOut: true,
    });
    if (!question?.trim()) return;
    this.streaming = true;
    try {
      await this.send(session, wrap ? wrap(question.trim()) : question.trim());
    } finally {
      this.streaming = false;
    }
  }

  private async send(session: ChatSession, question: string): Promise<void> {
    const config = this.deps.config();
    const ledger = await this.deps.ledger();
    const model = await this.deps.catalog.find(session.model).catch(() => undefined);
    const messages = session.messagesWith(question);
    const fallbacks = await Promise.all(
      config.chat.fallbackModels.map(async (id) => ({ id, model: await this.deps.catalog.find(id).catch(() => undefined) })),
    );
    const check = await preflight({
      model,
      modelId: session.model,
      fallbacks,
      messages,
      maxTokens: config.chat.maxTokens,
      budget: config.budget,
      spentSince: (from) => ledger.spentSince(from),
      keyInfo: this.deps.keyInfo(),
      now: new Date(),
      t: vscode.l10n.t,
    });
    if (check.decision.verdict === 'refuse') {
      void vscode.window.showErrorMessage(check.decision.summary);
      return;
    }
    let maxPrice = check.maxPrice;
    let capNote: string | undefined;
    if (check.decision.verdict === 'confirm') {
      const sendAnyway = vscode.l10n.t('Send');
      if ((await vscode.window.showWarningMessage(check.decision.summary, { modal: true }, sendAnyway)) !== sendAnyway) return;
      // The user chose to go over the limit: caps derived from it would leave OpenRouter no provider.
      if (maxPrice) {
        maxPrice = check.maxPriceIfConfirmed;
        capNote = maxPrice
          ? vscode.l10n.t('sent over your budget as you chose; provider.max_price capped at the current listed prices')
          : vscode.l10n.t('sent over your budget as you chose; no provider.max_price (the price is unknown)');
        this.deps.logger.info(capNote);
      }
    }

    const request: ChatRequest = {
      model: session.model,
      messages,
      maxTokens: config.chat.maxTokens,
      sessionId: session.id,
      ...(config.chat.fallbackModels.length ? { models: [session.model, ...config.chat.fallbackModels] } : {}),
      ...(maxPrice ? { maxPrice } : {}),
    };
    const apiKey = await this.deps.keys.get('inference');
    const audit: AuditContext = {
      userId: config.audit.userId || this.deps.localUserId,
      tags: [...config.audit.tags, ...session.tags],
      workspace: vscode.workspace.workspaceFolders?.[0]?.name ?? null,
      gitBranch: this.deps.gitBranch(),
      storePrompts: config.audit.storePrompts,
      redactionPatterns: config.audit.redactionPatterns,
      keyLabel: apiKey ? maskKey(apiKey) : null,
      chatSession: session.id,
    };

    const turn = session.startTurn(question);
    const uri = this.documents.uriFor(session);
    this.documents.update(session);
    const doc = await vscode.workspace.openTextDocument(uri);
    // Beside the code being worked on; in the main area when nothing else is open.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const column =
      shown?.viewColumn ??
      (vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme !== CHAT_SCHEME) ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active);
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: column });

    const pricing = model ? effectivePricing(model.pricing, { promptTokens: check.promptTokens, at: new Date() }) : undefined;
    const estimateCost = (promptTokens: number, completionTokens: number): number | null =>
      pricing && pricing.prompt !== null && pricing.completion !== null
        ? promptTokens * pricing.prompt + completionTokens * pricing.completion + (pricing.request ?? 0)
        : null;

    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `OpenRouter · ${session.model}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let lastRender = 0;
        return runAuditedStream(
          {
            client: this.deps.client(),
            ledger,
            estimateCost,
            estimatePromptTokens: () => check.promptTokens,
            estimateAtSend: check.estimate.usd,
            inFlight: this.deps.inFlight,
            confirmUnrecorded: async (reason) => {
              this.deps.logger.error(`ledger write failed before sending: ${this.deps.describeError(reason)}`);
              const send: vscode.MessageItem = { title: vscode.l10n.t('Send Anyway') };
              const choice = await vscode.window.showErrorMessage(
                vscode.l10n.t('The ledger cannot record this call: {0}. Send without recording?', this.deps.describeError(reason)),
                { modal: true },
                send,
                { title: vscode.l10n.t('Cancel'), isCloseAffordance: true },
              );
              return choice === send;
            },
          },
          request,
          audit,
          {
            onDelta: (text, totals) => {
              turn.answer += text;
              const tokens = Math.ceil(totals.completionChars / 4);
              const cost = estimateCost(check.promptTokens, tokens);
              progress.report({
                message: vscode.l10n.t('~{0} tokens · {1} so far', tokens, cost === null ? vscode.l10n.t('cost unknown') : `~${formatUsd(cost)}`),
              });
              if (Date.now() - lastRender > RENDER_THROTTLE_MS) {
                lastRender = Date.now();
                this.documents.update(session);
              }
            },
          },
          abort.signal,
        );
      },
    );

    if (!result.sent) {
      session.finishTurn(turn, { status: 'cancelled', modelUsed: null, cost: null, costExact: false, tokens: null, latencyMs: 0,
        note: vscode.l10n.t('not sent: the ledger cannot record it') });
      this.documents.update(session);
      return;
    }
    if (result.uid && result.generationId && (result.status !== 'error' || result.usage)) {
      void this.deps.backfiller.enqueue(result.uid, result.generationId).then(() => this.deps.onRecorded(), () => undefined);
    }
    if (result.recordError) {
      this.deps.logger.error(`ledger write failed: ${this.deps.describeError(result.recordError)}`);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('This request was not recorded in the ledger: {0}', this.deps.describeError(result.recordError)),
      );
    }
    session.finishTurn(turn, {
      status: result.status,
      modelUsed: result.modelUsed,
      cost: result.usage?.cost ?? null,
      costExact: result.usage?.cost != null,
      tokens: result.usage?.completionTokens ?? null,
      latencyMs: result.latencyMs,
      generationId: result.generationId ?? undefined,
      note: [capNote, result.error && result.status !== 'cancelled' ? this.deps.describeError(result.error) : undefined].filter(Boolean).join(' · ') || undefined,
    });
    this.documents.update(session);
    this.deps.onRecorded();
    // Not awaited: the notification stays open until dismissed, and the next question must not wait for it.
    if (result.status === 'error' || result.status === 'timeout') void this.explainFailure(result.error);
  }

  /**
   * 402s say which bound stopped the request (credits, the key's limit, the in-flight budget),
   * add OpenRouter's own remedy hint, and offer the settings page the error points to.
   */
  private async explainFailure(err: unknown): Promise<void> {
    let message = this.deps.describeError(err);
    const hint = isOpenRouterError(err) ? err.metadata?.remedyHint : null;
    if (hint && !message.includes(hint)) message = `${message} ${vscode.l10n.t('OpenRouter says: {0}', scrubSecrets(hint))}`;
    this.deps.logger.warn(`chat request failed: ${message}`);
    if (isOpenRouterError(err) && err.settingsUrl) {
      const open =
        err.settingsUrl === SETTINGS_URLS.keys
          ? vscode.l10n.t('Open Key Settings')
          : err.settingsUrl === SETTINGS_URLS.credits
            ? vscode.l10n.t('Add Credits')
            : vscode.l10n.t('Open OpenRouter Settings');
      if ((await vscode.window.showErrorMessage(message, open)) === open) {
        await vscode.env.openExternal(vscode.Uri.parse(err.settingsUrl));
      }
      return;
    }
    void vscode.window.showErrorMessage(message);
  }
}
