/**
 * The Spend Dashboard panel: one per window, opened by its command, the status-bar tooltip and
 * the cost view, restored after a reload by its serializer. It recomputes the payload when the
 * ledger changes or a credit reading lands and posts it; the app updates its charts in place.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../../commands/ids';
import { describeError } from '../../util/errors';
import { Disposable, toDisposable } from '../../util/disposable';
import { buildWebviewHtml, webviewOptions } from '../html';
import { debounced, type WebviewDeps } from '../deps';
import { translateStrings } from '../shared/strings';
import { resolveSelection } from '../shared/ranges';
import { offsetFunction } from '../../ledger/timeZone';
import { prepareBreakdowns, prepareDashboard, type DashboardInput } from './data';
import { prepareAccountDashboard } from './account';
import { prepareReconciliation } from './reconciliation';
import { DASHBOARD_VIEW_TYPE, parseViewState, parseWebviewMessage, type DashboardPayload, type DashboardViewState, type HostMessage, type PaintMarks } from './protocol';

/** Live updates land within a second: a burst of changes is coalesced into one refresh. */
const REFRESH_DEBOUNCE_MS = 150;

const DEFAULT_STATE: DashboardViewState = { selection: { preset: '30d' }, source: 'ledger', whatIfTarget: null };

export class DashboardPanels extends Disposable implements vscode.WebviewPanelSerializer {
  private current: DashboardController | undefined;

  constructor(private readonly deps: WebviewDeps) {
    super();
    this.register(vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, this));
    this.register(vscode.commands.registerCommand(CommandIds.openDashboard, () => this.open()));
    this.register(toDisposable(() => this.current?.dispose()));
  }

  async open(): Promise<void> {
    const requestedAt = Date.now();
    if (this.current) {
      this.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, vscode.l10n.t('OpenRouter Spend'), vscode.ViewColumn.Active, {
      ...webviewOptions(this.deps.extensionUri),
      retainContextWhenHidden: false,
    });
    await this.attach(panel, DEFAULT_STATE, requestedAt);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    await this.attach(panel, parseViewState(state) ?? DEFAULT_STATE, Date.now());
  }

  private async attach(panel: vscode.WebviewPanel, state: DashboardViewState, requestedAt: number): Promise<void> {
    this.current?.dispose();
    const controller = new DashboardController(panel, state, this.deps, requestedAt);
    this.current = controller;
    panel.onDidDispose(() => {
      if (this.current === controller) this.current = undefined;
      controller.dispose();
    });
    await controller.start();
  }
}

/** "html 40, page 120, scriptFetched 190, …": each step of the first paint in ms after the command. */
function paintTimeline(requestedAt: number, htmlSetAt: number, marks: PaintMarks = {}): string {
  const steps = Object.entries({ html: htmlSetAt, ...marks }).sort((a, b) => a[1] - b[1]);
  return `timeline ${steps.map(([name, at]) => `${name} ${Math.round(at - requestedAt)}`).join(', ')}`;
}

class DashboardController extends Disposable {
  private readonly refresh = debounced(() => void this.push(), REFRESH_DEBOUNCE_MS);
  private dirty = false;
  private generation = 0;

  private firstPaintLogged = false;
  private readies = 0;
  private preparedMs = 0;
  private htmlSetAt = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private state: DashboardViewState,
    private readonly deps: WebviewDeps,
    /** When the user asked for the panel: the first paint is measured from here. */
    private readonly requestedAt: number,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    this.register(this.refresh);
    this.register(panel.webview.onDidReceiveMessage((m) => this.onMessage(m)));
    this.register(deps.onLedgerChange(() => this.changed()));
    this.register(deps.onCreditChange(() => this.changed()));
    this.register(panel.onDidChangeViewState(() => {
      if (panel.visible && this.dirty) this.refresh.trigger();
    }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('openrouterLedger.ledger.timeZone') || e.affectsConfiguration('openrouterLedger.budget')) this.changed();
    }));
  }

  /** Renders the page with its first payload inside, so nothing waits for a round trip. */
  async start(): Promise<void> {
    let payload: DashboardPayload | null = null;
    let error: string | null = null;
    const started = Date.now();
    let input: DashboardInput | null = null;
    try {
      ({ payload, input } = await this.compute());
    } catch (err) {
      error = this.failure(err);
    }
    this.preparedMs = Date.now() - started;
    // Closed while the payload was read: the panel (and its webview) throw "Webview is disposed" now.
    if (this.isDisposed) return;
    this.panel.webview.html = buildWebviewHtml(this.panel.webview, this.deps.extensionUri, {
      script: 'dashboard',
      styles: ['webview/common.css', 'webview/dashboard.css'],
      title: vscode.l10n.t('OpenRouter Spend Dashboard'),
      initialState: { strings: translateStrings(vscode.l10n.t), viewState: this.state, payload, error },
    });
    this.htmlSetAt = Date.now();
    if (payload && input) void this.sendBreakdowns(payload, input, this.generation);
  }

  private changed(): void {
    if (this.panel.visible) this.refresh.trigger();
    else this.dirty = true;
  }

  private input(): DashboardInput {
    const config = this.deps.config();
    return {
      selection: this.state.selection,
      source: this.state.source,
      whatIfTarget: this.state.whatIfTarget,
      now: Date.now(),
      timeZone: config.ledger.timeZone,
      budget: { daily: config.budget.daily, monthly: config.budget.monthly },
      balance: this.deps.balance(),
      keyReading: this.deps.keyReading(),
      catalogue: null,
    };
  }

  /** The payload the charts need; the slower session and tag tables follow (sendBreakdowns). */
  private async compute(): Promise<{ payload: DashboardPayload; input: DashboardInput }> {
    const ledger = await this.deps.ledger();
    const catalogue = await this.deps.catalogue().catch((err: unknown) => {
      this.deps.logger.debug(`dashboard: model prices unavailable: ${describeError(err)}`);
      return null;
    });
    const input = { ...this.input(), catalogue };
    const payload = input.source === 'account'
      ? await prepareAccountDashboard(ledger.queries, input, await this.deps.analytics(), (m, ...args) => vscode.l10n.t(m, ...args))
      : await prepareDashboard(ledger.queries, input, { breakdowns: false });
    return { payload, input };
  }

  private async sendBreakdowns(payload: DashboardPayload, input: DashboardInput, generation: number): Promise<void> {
    if (!payload.breakdownsPending) return;
    try {
      const { queries } = await this.deps.ledger();
      const [{ sessions, tags }, reconciliation] = await Promise.all([
        prepareBreakdowns(queries, input),
        prepareReconciliation(queries, payload.range, await this.deps.keyHash()),
      ]);
      if (generation !== this.generation || this.isDisposed) return;
      void this.panel.webview.postMessage({ type: 'breakdowns', generatedAt: payload.generatedAt, sessions, tags, reconciliation } satisfies HostMessage);
    } catch (err) {
      this.deps.logger.warn(`dashboard: session, tag and reconciliation tables: ${describeError(err)}`);
    }
  }

  private async push(): Promise<void> {
    this.dirty = false;
    const generation = ++this.generation;
    let message: HostMessage;
    let computed: Awaited<ReturnType<DashboardController['compute']>> | null = null;
    try {
      computed = await this.compute();
      message = { type: 'update', payload: computed.payload };
    } catch (err) {
      message = { type: 'error', message: this.failure(err) };
    }
    // A newer request (another range) superseded this one while it was computed.
    if (generation !== this.generation || this.isDisposed) return;
    void this.panel.webview.postMessage(message);
    if (computed) void this.sendBreakdowns(computed.payload, computed.input, generation);
  }

  private failure(err: unknown): string {
    this.deps.logger.warn(`dashboard: ${describeError(err)}`);
    return err instanceof RangeError ? vscode.l10n.t(err.message) : vscode.l10n.t('The dashboard could not be updated: {0}', describeError(err, vscode.l10n.t));
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.logger.warn('dashboard: dropped a malformed message from the webview');
      return;
    }
    switch (message.type) {
      case 'ready':
        // A webview hidden without retained context is rebuilt from the first HTML when shown again: bring it up to date.
        if (this.readies++ > 0) void this.push();
        return;
      case 'painted':
        if (!this.firstPaintLogged && message.charts > 0) {
          this.firstPaintLogged = true;
          // Painted at the webview's frame (same machine, same wall clock); this message arrives later,
          // behind the webview's next task, so its arrival is logged as a step of its own.
          const heard = Date.now();
          const frame = message.marks?.frame;
          const paintedAt = frame !== undefined && frame >= this.requestedAt && frame <= heard ? frame : heard;
          const timeline = paintTimeline(this.requestedAt, this.htmlSetAt, { ...message.marks, hostTold: heard });
          this.deps.logger.info(`dashboard: first chart painted ${Math.round(paintedAt - this.requestedAt)} ms after the command (payload prepared in ${this.preparedMs} ms; ${timeline})`);
        }
        return;
      case 'setRange':
        this.state = { ...this.state, selection: message.selection };
        void this.push();
        return;
      case 'setSource':
        this.state = { ...this.state, source: message.source };
        void this.push();
        return;
      case 'setWhatIfTarget':
        this.state = { ...this.state, whatIfTarget: message.model };
        void this.push();
        return;
      case 'export': {
        const config = this.deps.config();
        try {
          const r = resolveSelection(this.state.selection, Date.now(), offsetFunction(config.ledger.timeZone));
          void vscode.commands.executeCommand(CommandIds.exportLedger, { format: message.format, from: r.from, to: r.to });
        } catch (err) {
          void vscode.window.showErrorMessage(this.failure(err));
        }
        return;
      }
    }
  }
}
