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
import { COST_VIEW_ID, parseCostWebviewMessage, type CostViewPayload } from './protocol';

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
    try {
      payload = await this.compute();
    } catch (err) {
      this.deps.logger.warn(`cost view: ${describeError(err)}`);
    }
    view.webview.html = buildWebviewHtml(view.webview, this.deps.extensionUri, {
      script: 'costView',
      styles: ['webview/common.css', 'webview/costView.css'],
      title: vscode.l10n.t('OpenRouter Cost'),
      initialState: { strings: translateStrings(vscode.l10n.t), payload },
    });
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
    });
  }

  private async push(): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.dirty = false;
    try {
      const payload = await this.compute();
      void view.webview.postMessage({ type: 'update', payload });
    } catch (err) {
      this.deps.logger.warn(`cost view: ${describeError(err)}`);
    }
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
      case 'lookupGeneration':
        void vscode.commands.executeCommand(CommandIds.lookupGeneration, message.id);
        return;
    }
  }
}
