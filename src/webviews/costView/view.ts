/**
 * The sidebar cost view (`openrouterLedger.cost`, contributed in the OpenRouter container):
 * rendered with its first payload inside the HTML, then kept current on every ledger change
 * and credit reading while it is visible.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../../commands/ids';
import { Disposable, toDisposable } from '../../util/disposable';
import { describeError } from '../../util/errors';
import { debounced, type WebviewDeps } from '../deps';
import { buildWebviewHtml, webviewOptions } from '../html';
import { translateStrings } from '../shared/strings';
import { prepareCostView } from './data';
import { COST_VIEW_ID, parseCostWebviewMessage, type CostHostMessage, type CostViewPayload } from './protocol';

const REFRESH_DEBOUNCE_MS = 150;

export class CostViewProvider extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private viewDisposables: vscode.Disposable[] = [];
  private readonly refresh = debounced(() => void this.push(), REFRESH_DEBOUNCE_MS);
  private dirty = false;
  private readies = 0;

  constructor(private readonly deps: WebviewDeps) {
    super();
    this.register(this.refresh);
    this.register(vscode.window.registerWebviewViewProvider(COST_VIEW_ID, this));
    this.register(deps.onLedgerChange(() => this.changed()));
    this.register(deps.onCreditChange(() => this.changed()));
    this.register(toDisposable(() => this.viewDisposables.forEach((d) => d.dispose())));
  }

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    this.viewDisposables.forEach((d) => d.dispose());
    this.view = view;
    this.readies = 0;
    view.webview.options = webviewOptions(this.deps.extensionUri);
    this.viewDisposables = [
      view.webview.onDidReceiveMessage((m) => this.onMessage(m)),
      view.onDidChangeVisibility(() => {
        if (view.visible && this.dirty) this.refresh.trigger();
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
      }),
    ];
    let payload: CostViewPayload | null = null;
    let error: string | null = null;
    try {
      payload = await this.compute();
    } catch (err) {
      error = this.failure(err);
    }
    // Hidden or closed while the figures were read: a disposed view throws on every use.
    if (this.view !== view) return;
    view.webview.html = buildWebviewHtml(view.webview, this.deps.extensionUri, {
      script: 'costView',
      styles: ['webview/common.css', 'webview/costView.css'],
      title: vscode.l10n.t('OpenRouter Cost'),
      // With no payload the view says why and offers a retry (it is never left blank).
      initialState: { strings: translateStrings(vscode.l10n.t), payload, error },
    });
  }

  private failure(err: unknown): string {
    this.deps.logger.warn(`cost view: ${describeError(err)}`);
    return vscode.l10n.t('The cost figures could not be read: {0}', describeError(err, vscode.l10n.t));
  }

  private changed(): void {
    if (this.view?.visible) this.refresh.trigger();
    else this.dirty = true;
  }

  private async compute(): Promise<CostViewPayload> {
    const ledger = await this.deps.ledger();
    const config = this.deps.config();
    return prepareCostView(ledger.queries, {
      now: Date.now(),
      timeZone: config.ledger.timeZone,
      budget: { daily: config.budget.daily, monthly: config.budget.monthly },
      balance: this.deps.balance(),
      keyReading: this.deps.keyReading(),
    });
  }

  private async push(): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.dirty = false;
    let message: CostHostMessage;
    try {
      message = { type: 'update', payload: await this.compute() };
    } catch (err) {
      message = { type: 'error', message: this.failure(err) };
    }
    // The view was disposed (or replaced) while the figures were read.
    if (this.view !== view || this.isDisposed) return;
    void view.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    const message = parseCostWebviewMessage(raw);
    if (!message) {
      this.deps.logger.warn('cost view: dropped a malformed message from the webview');
      return;
    }
    switch (message.type) {
      case 'ready':
        // A view hidden and shown again is rebuilt from the first HTML: bring it up to date.
        if (this.readies++ > 0) void this.push();
        return;
      case 'openDashboard':
        void vscode.commands.executeCommand(CommandIds.openDashboard);
        return;
      case 'retry':
        void this.push();
        return;
      case 'lookupGeneration':
        void vscode.commands.executeCommand(CommandIds.lookupGeneration, message.id);
        return;
    }
  }
}
