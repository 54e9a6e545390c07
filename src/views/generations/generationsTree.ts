/**
 * The Recent Generations tree (`openrouterLedger.generations`): the ledger's newest requests,
 * grouped Today / Yesterday / This week / Older in `ledger.timeZone`, loaded a page at a time.
 * It reloads whenever the ledger changes in any window (LedgerService.onDidChange), and marks the
 * days where reconciliation found OpenRouter's figures differ from the ledger's.
 */
import * as vscode from 'vscode';
import type { Ledger, StoredGeneration } from '../../ledger';
import { CommandIds } from '../../commands/ids';
import { Disposable, toDisposable } from '../../util/disposable';
import type { Logger } from '../../util/logger';
import { describeError } from '../../util/errors';
import {
  generationDescription, generationLabel, generationTooltip, groupGenerations, groupTitle, statusIcon, utcDayOf,
  type GroupId, type StatusIcon,
} from './generationPresentation';
import { GenerationPages } from './generationPages';

export const GENERATIONS_VIEW_ID = 'openrouterLedger.generations';
export const LEDGER_EMPTY_CONTEXT = 'openrouterLedger.ledgerEmpty';
const DAY_SCHEME = 'openrouter-ledger-day';
/** Ledger changes come in bursts (a row, then its price); one reload for the burst. */
const RELOAD_DEBOUNCE_MS = 200;

export type GenerationNode =
  | { kind: 'group'; id: GroupId; rows: StoredGeneration[] }
  | { kind: 'generation'; row: StoredGeneration }
  | { kind: 'more' };

export interface GenerationsSource {
  ledger(): Promise<Ledger>;
  timeZone(): 'utc' | 'local';
  onDidChange: vscode.Event<void>;
}

const ICONS: Record<StatusIcon, [string, string | undefined]> = {
  success: ['pass', 'testing.iconPassed'],
  pricing: ['clock', 'descriptionForeground'],
  error: ['error', 'errorForeground'],
  timeout: ['watch', 'list.warningForeground'],
  cancelled: ['circle-slash', 'disabledForeground'],
  interrupted: ['debug-disconnect', 'list.warningForeground'],
  pending: ['loading~spin', undefined],
};

export class GenerationsTreeProvider extends Disposable implements vscode.TreeDataProvider<GenerationNode>, vscode.FileDecorationProvider {
  private readonly changed = this.register(new vscode.EventEmitter<GenerationNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly decorationsChanged = this.register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;
  readonly view: vscode.TreeView<GenerationNode>;
  private readonly pages = new GenerationPages();
  private loaded = false;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private differingDays = new Map<string, string>();

  constructor(private readonly source: GenerationsSource, private readonly logger: Logger) {
    super();
    this.view = this.register(vscode.window.createTreeView(GENERATIONS_VIEW_ID, { treeDataProvider: this }));
    this.register(vscode.window.registerFileDecorationProvider(this));
    this.register(source.onDidChange(() => this.scheduleReload()));
    this.register(toDisposable(() => clearTimeout(this.reloadTimer)));
  }

  async loadMore(): Promise<void> {
    await this.read((ledger) => this.pages.loadMore(ledger.queries));
  }

  /** Days (UTC, YYYY-MM-DD) where reconciliation found a difference, each with a one-line reason. */
  setDifferingDays(days: Map<string, string>): void {
    this.differingDays = days;
    this.view.badge = days.size ? { value: days.size, tooltip: vscode.l10n.t('{0} day(s) where OpenRouter and the ledger differ', days.size) } : undefined;
    this.decorationsChanged.fire(undefined);
    this.changed.fire(undefined);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== DAY_SCHEME) return undefined;
    const reason = this.differingDays.get(uri.path.split('/')[1] ?? '');
    return reason ? new vscode.FileDecoration('≠', reason, new vscode.ThemeColor('list.warningForeground')) : undefined;
  }

  getTreeItem(node: GenerationNode): vscode.TreeItem {
    if (node.kind === 'more') {
      const item = new vscode.TreeItem(vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: CommandIds.loadMoreGenerations, title: vscode.l10n.t('Load more…') };
      item.contextValue = 'openrouterLoadMore';
      return item;
    }
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(groupTitle(node.id, vscode.l10n.t), node.id === 'older' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.id}`;
      const differing = new Set(node.rows.map(utcDayOf).filter((d) => this.differingDays.has(d))).size;
      const count = node.rows.length === 1 ? vscode.l10n.t('1 request') : vscode.l10n.t('{0} requests', node.rows.length);
      item.description = differing ? vscode.l10n.t('{0} · {1} day(s) differ from OpenRouter', count, differing) : count;
      item.contextValue = 'openrouterGenerationGroup';
      return item;
    }
    const { row } = node;
    const item = new vscode.TreeItem(generationLabel(row), vscode.TreeItemCollapsibleState.None);
    item.id = row.uid;
    item.description = generationDescription(row, vscode.l10n.t, this.source.timeZone());
    item.tooltip = generationTooltip(row, vscode.l10n.t);
    const [icon, colour] = ICONS[statusIcon(row)];
    item.iconPath = new vscode.ThemeIcon(icon, colour ? new vscode.ThemeColor(colour) : undefined);
    item.resourceUri = vscode.Uri.from({ scheme: DAY_SCHEME, path: `/${utcDayOf(row)}/${row.uid}` });
    item.contextValue = row.generation_id ? 'openrouterGeneration.withId' : 'openrouterGeneration';
    item.command = { command: CommandIds.lookupGeneration, title: vscode.l10n.t('Look Up'), arguments: [node] };
    return item;
  }

  async getChildren(node?: GenerationNode): Promise<GenerationNode[]> {
    if (node?.kind === 'group') return node.rows.map((row) => ({ kind: 'generation', row }));
    if (node) return [];
    if (!this.loaded) await this.reload(false);
    const groups: GenerationNode[] = groupGenerations(this.pages.shown, Date.now(), this.source.timeZone()).map((g) => ({ kind: 'group', ...g }));
    return this.pages.hasMore ? [...groups, { kind: 'more' }] : groups;
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.reload(), RELOAD_DEBOUNCE_MS);
  }

  private reload(fire = true): Promise<void> {
    return this.read((ledger) => this.pages.reload(ledger.queries), fire);
  }

  private async read(step: (ledger: Ledger) => Promise<void>, fire = true): Promise<void> {
    try {
      await step(await this.source.ledger());
      this.loaded = true;
      this.view.message = undefined;
      await vscode.commands.executeCommand('setContext', LEDGER_EMPTY_CONTEXT, this.pages.shown.length === 0);
    } catch (err) {
      this.logger.warn(`generations: the ledger could not be read: ${describeError(err)}`);
      this.view.message = vscode.l10n.t('The ledger could not be read: {0}', describeError(err, vscode.l10n.t));
    }
    if (fire) this.changed.fire(undefined);
  }
}
