import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import { Disposable } from '../util/disposable';
import { DASHBOARD_COMMAND, type CreditView } from './creditTooltip';

export const CREDIT_ITEM_ID = 'openrouterLedger.credits';

/** The status-bar item: what can still be spent, coloured by the warn/critical thresholds. */
export class CreditStatusBar extends Disposable {
  private readonly item = this.register(
    vscode.window.createStatusBarItem(CREDIT_ITEM_ID, vscode.StatusBarAlignment.Right, 100),
  );

  private clickCommand: string = CommandIds.refresh;

  constructor() {
    super();
    this.item.name = vscode.l10n.t('OpenRouter Credits');
    this.item.command = this.clickCommand;
    this.item.show();
  }

  /** Lets a later feature (the dashboard) take over the click. */
  setClickCommand(command: string): void {
    this.clickCommand = command;
  }

  render(view: CreditView, hasKey: boolean): void {
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
    // Only the dashboard link may run a command; every other string in the tooltip is escaped.
    tooltip.isTrusted = { enabledCommands: [DASHBOARD_COMMAND] };
    this.item.tooltip = tooltip;
    this.item.command = hasKey ? this.clickCommand : CommandIds.setApiKey;
    this.item.backgroundColor =
      view.level === 'critical'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.level === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    // Screen readers get the text without the $(icon) markup.
    this.item.accessibilityInformation = {
      label: vscode.l10n.t('OpenRouter credits: {0}', view.text.replace(/\$\([^)]*\)\s*/g, '')),
    };
  }
}
