/**
 * The Keys tree (`openrouterLedger.keys`): every key of the default workspace from `/keys` (paged
 * by the client), the key in use here first, spend and limit at a glance, details on expanding.
 * A failed refresh keeps the last good list on screen and says it is stale, and why.
 */
import * as vscode from 'vscode';
import { findKeyInUse, type KeyInUse } from '../../keys/keyHash';
import type { ApiKeyRecord } from '../../openrouter/types';
import { Disposable, toDisposable } from '../../util/disposable';
import type { Logger } from '../../util/logger';
import { keyDescription, keyDetails, keyLabel, keyViews, remainingLevel, type DetailRow, type KeyView, type RemainingLevel } from './keyPresentation';

export const KEYS_VIEW_ID = 'openrouterLedger.keys';
/** Context keys read by `when` clauses in package.json. */
export const HAS_MANAGEMENT_KEY_CONTEXT = 'openrouterLedger.hasManagementKey';
export const INCLUDE_DISABLED_CONTEXT = 'openrouterLedger.keys.includeDisabled';

export interface KeysSource {
  listKeys(includeDisabled: boolean): Promise<ApiKeyRecord[]>;
  /** What identifies the API key this extension uses, when one is set. */
  inUseKey(): Promise<KeyInUse | undefined>;
  hasManagementKey(): Promise<boolean>;
  describeError(err: unknown): string;
  /** Seconds between refreshes while the view is visible. */
  pollSeconds(): number;
}

export type KeyNode = { kind: 'key'; view: KeyView } | { kind: 'detail'; row: DetailRow };

const ICON_COLOURS: Record<RemainingLevel, string | undefined> = {
  none: undefined,
  ok: 'charts.green',
  low: 'charts.yellow',
  critical: 'charts.red',
  exhausted: 'errorForeground',
};

export class KeysTreeProvider extends Disposable implements vscode.TreeDataProvider<KeyNode> {
  private readonly changed = this.register(new vscode.EventEmitter<KeyNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<KeyNode>;
  private records: ApiKeyRecord[] | undefined;
  private inUse: KeyInUse | undefined;
  private fetchedAt = 0;
  private includeDisabled = false;
  private loading: Promise<void> | undefined;
  /** The first getChildren loads; later ones show what the last load left (no reload loop). */
  private requested = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly source: KeysSource, private readonly logger: Logger) {
    super();
    this.view = this.register(vscode.window.createTreeView(KEYS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true }));
    this.register(this.view.onDidChangeVisibility(() => this.schedulePolling()));
    this.register(toDisposable(() => clearInterval(this.timer)));
    void vscode.commands.executeCommand('setContext', INCLUDE_DISABLED_CONTEXT, false);
    this.schedulePolling();
  }

  /** Keys of the last good list (for the palette's "which key?" pickers). */
  get current(): readonly KeyView[] {
    return this.records ? keyViews(this.records, findKeyInUse(this.records, this.inUse), Date.now()) : [];
  }

  setIncludeDisabled(include: boolean): void {
    this.includeDisabled = include;
    void vscode.commands.executeCommand('setContext', INCLUDE_DISABLED_CONTEXT, include);
    void this.refresh();
  }

  /** Reloads from OpenRouter; concurrent calls share one request. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  getTreeItem(node: KeyNode): vscode.TreeItem {
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(node.row.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.row.value;
      item.tooltip = `${node.row.label}: ${node.row.value}`;
      item.contextValue = 'openrouterKeyDetail';
      return item;
    }
    const { view } = node;
    const item = new vscode.TreeItem(keyLabel(view, vscode.l10n.t), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = view.record.hash;
    item.description = keyDescription(view, vscode.l10n.t);
    item.tooltip = keyDetails(view, vscode.l10n.t).map((r) => `${r.label}: ${r.value}`).join('\n');
    const level = remainingLevel(view.record);
    const colour = ICON_COLOURS[level];
    item.iconPath = view.record.disabled
      ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'))
      : view.expired
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon(view.inUse ? 'key' : 'circle-filled', colour ? new vscode.ThemeColor(colour) : undefined);
    item.contextValue = ['openrouterKey', view.inUse ? 'inUse' : '', view.record.disabled ? 'disabled' : 'enabled'].filter(Boolean).join('.');
    item.accessibilityInformation = { label: `${keyLabel(view, vscode.l10n.t)}, ${item.description}` };
    return item;
  }

  async getChildren(node?: KeyNode): Promise<KeyNode[]> {
    if (node?.kind === 'key') return keyDetails(node.view, vscode.l10n.t).map((row) => ({ kind: 'detail', row }));
    if (node) return [];
    if (!this.requested) {
      this.requested = true;
      await this.refresh();
    }
    return this.current.map((view) => ({ kind: 'key', view }));
  }

  private async load(): Promise<void> {
    const hasKey = await this.source.hasManagementKey();
    await vscode.commands.executeCommand('setContext', HAS_MANAGEMENT_KEY_CONTEXT, hasKey);
    if (!hasKey) {
      // The welcome content explains why; nothing to list, nothing stale to keep.
      this.records = undefined;
      this.view.message = undefined;
      this.view.description = undefined;
      this.changed.fire(undefined);
      return;
    }
    try {
      const [records, inUse] = await Promise.all([this.source.listKeys(this.includeDisabled), this.source.inUseKey()]);
      this.records = records;
      this.inUse = inUse;
      this.fetchedAt = Date.now();
      this.view.message = records.length === 0 ? vscode.l10n.t('This account has no API keys yet. Create one with the + button.') : undefined;
      this.view.description = vscode.l10n.t('{0} keys', records.length);
    } catch (err) {
      const why = this.source.describeError(err);
      this.logger.warn(`keys: refresh failed: ${why}`);
      this.view.message = this.records
        ? vscode.l10n.t('Stale: the list is from {0}. Refreshing failed: {1}', new Date(this.fetchedAt).toLocaleTimeString(), why)
        : vscode.l10n.t('The keys could not be listed: {0}', why);
      this.view.description = this.records ? vscode.l10n.t('stale') : undefined;
    }
    this.changed.fire(undefined);
  }

  /** Refreshes on the poll interval while the view is visible; on showing it, at once when the list is old. */
  private schedulePolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.view.visible) return;
    const ms = this.source.pollSeconds() * 1000;
    if (this.records && Date.now() - this.fetchedAt > ms) void this.refresh();
    this.timer = setInterval(() => void this.refresh(), ms);
  }
}
