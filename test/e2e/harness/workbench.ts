/**
 * What a user does in the VS Code window, expressed against the workbench DOM of code-server 4.139
 * (VS Code 1.139). Selectors live here only, so a VS Code upgrade is fixed in one file.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const UI_TIMEOUT_MS = 15_000;

const SEL = {
  workbench: '.monaco-workbench',
  statusBar: '#workbench\\.parts\\.statusbar',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .monaco-list-row',
  quickInputMessage: '.quick-input-widget .quick-input-message',
  toastMessage: '.notifications-toasts .notification-toast .notification-list-item-message',
  activeEditorLines: '.editor-group-container.active .monaco-editor .view-lines .view-line',
  // Sidebar views and modal dialogs (issue 7).
  activityBar: '.part.activitybar',
  sideBarPane: '.part.sidebar .pane',
  paneHeader: '.pane-header',
  treeRow: '.pane-body .monaco-list-row',
  dialog: '.monaco-dialog-box',
  dialogMessage: '.monaco-dialog-box .dialog-message-text',
  dialogDetail: '.monaco-dialog-box .dialog-message-detail',
  dialogButton: '.monaco-dialog-box .dialog-buttons .monaco-button',
} as const;

export interface TreeRowState {
  readonly label: string;
  readonly description: string;
  readonly ariaLabel: string;
  readonly icons: string[];
}

export interface StatusBarItemState {
  /** The DOM id VS Code gave the item (extension id + item id). */
  readonly id: string;
  /** Visible label text; codicons such as $(credit-card) render as icons and are not part of it. */
  readonly text: string;
  /** The `codicon-*` classes of the icons in the label. */
  readonly icons: string[];
  readonly ariaLabel: string;
  readonly classes: string[];
  /** Computed background colour of the item, e.g. `rgb(199, 78, 57)`. */
  readonly backgroundColor: string;
  /** Kind VS Code derived from a ThemeColor background: 'error', 'warning' or 'standard'. */
  readonly kind: 'error' | 'warning' | 'standard';
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Resolves when the workbench has rendered its status bar (the extension host may still be starting). */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator(SEL.workbench).waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator(SEL.statusBar).waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Runs a command by its palette title ("Category: Title") through F1, as a user does. */
  async runCommand(title: string): Promise<void> {
    await this.openQuickInput('F1');
    const box = this.page.locator(SEL.quickInputBox);
    await box.fill(`>${title}`);
    const row = await this.quickPickRow(title);
    await row.click();
    // The command's own input box reuses the palette's widget: wait until the palette has let go of it,
    // or text meant for the command's box lands in the palette.
    await this.page.waitForFunction(
      ([widget, input]) => {
        const w = document.querySelector<HTMLElement>(widget);
        const box = document.querySelector<HTMLInputElement>(input);
        return !w || w.style.display === 'none' || !w.checkVisibility() || !box || !box.value.startsWith('>');
      },
      [SEL.quickInput, SEL.quickInputBox] as const,
      { timeout: UI_TIMEOUT_MS },
    );
  }

  /** Types into the input box the extension opened and accepts it with Enter. */
  async fillInputBox(text: string, options: { password?: boolean; submit?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const box = this.page.locator(SEL.quickInputBox);
    await box.waitFor({ state: 'visible', timeout: options.timeoutMs ?? UI_TIMEOUT_MS });
    if (options.password) {
      await this.page
        .locator(`${SEL.quickInputBox}[type="password"]`)
        .waitFor({ state: 'visible', timeout: options.timeoutMs ?? UI_TIMEOUT_MS })
        .catch(async () => {
          throw new Error(`expected a password input box, found type=${(await box.getAttribute('type')) ?? 'none'}`);
        });
    }
    // insertText rather than fill(text): a failing call must not echo a secret in its error message.
    await box.focus();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.insertText(text);
    if (options.submit !== false) await this.acceptInputBox();
  }

  /**
   * Enters the keys as a user does, once the extension has activated (its credit item shows):
   * "Set API Key", then "Set Management Key" when one is given, each into its password box.
   */
  async enterKeys(keys: { api: string; management?: string }): Promise<void> {
    await this.statusBarItem('openrouterLedger.credits').waitFor({ state: 'visible', timeout: 60_000 });
    await this.runCommand('OpenRouter: Set API Key');
    await this.fillInputBox(keys.api, { password: true });
    if (keys.management === undefined) return;
    await this.runCommand('OpenRouter: Set Management Key');
    await this.fillInputBox(keys.management, { password: true });
  }

  /** Presses Enter in the open input box and waits for it to close. */
  async acceptInputBox(): Promise<void> {
    await this.page.keyboard.press('Enter');
    await this.page.locator(SEL.quickInput).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  }

  /** The prompt and validation message currently shown under the input box. */
  async readInputBoxMessage(): Promise<string> {
    return (await this.page.locator(SEL.quickInputMessage).innerText({ timeout: UI_TIMEOUT_MS })).trim();
  }

  /** Picks the quick-pick entry whose label equals `label` (or matches it, for a RegExp). */
  async pickQuickPickItem(label: string | RegExp): Promise<void> {
    const row = await this.quickPickRow(label);
    await row.click();
  }

  /** Labels of the entries the open quick pick shows. */
  async readQuickPickItems(): Promise<string[]> {
    await this.page.locator(SEL.quickInputRow).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    return (await this.page.locator(`${SEL.quickInputRow} .label-name`).allInnerTexts()).map((t) => t.trim());
  }

  async dismissQuickInput(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator(SEL.quickInput).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  }

  /** The status-bar item whose DOM id ends with `idSuffix` (e.g. 'openrouterLedger.credits'), or whose accessible label matches a RegExp. */
  statusBarItem(idSuffixOrLabel: string | RegExp): Locator {
    const items = this.page.locator(`${SEL.statusBar} .statusbar-item`);
    if (typeof idSuffixOrLabel === 'string') return items.and(this.page.locator(`[id$="${idSuffixOrLabel}"]`));
    return items.filter({ has: this.page.getByRole('button', { name: idSuffixOrLabel }) });
  }

  async readStatusBarItem(idSuffixOrLabel: string | RegExp): Promise<StatusBarItemState> {
    const item = this.statusBarItem(idSuffixOrLabel).first();
    await item.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    return item.evaluate((el: Element) => {
      const label = el.querySelector('.statusbar-item-label') ?? el;
      const classes = Array.from(el.classList);
      const icons = Array.from(label.querySelectorAll('.codicon'))
        .flatMap((icon) => Array.from(icon.classList))
        .filter((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin');
      const kind = classes.includes('error-kind') ? 'error' : classes.includes('warning-kind') ? 'warning' : 'standard';
      return {
        id: el.id,
        text: ((label as HTMLElement).innerText ?? '').replace(/\u00a0/g, ' ').trim(),
        icons,
        ariaLabel: label.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? '',
        classes,
        backgroundColor: getComputedStyle(el).backgroundColor,
        kind,
      } as const;
    });
  }

  /** Polls the status-bar item until `accept` holds, returning the last state seen. */
  async waitForStatusBarItem(idSuffixOrLabel: string | RegExp, accept: (state: StatusBarItemState) => boolean, timeoutMs = UI_TIMEOUT_MS): Promise<StatusBarItemState> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusBarItemState | undefined;
    for (;;) {
      try {
        last = await this.readStatusBarItem(idSuffixOrLabel);
        if (accept(last)) return last;
      } catch {
        // Not rendered yet.
      }
      if (Date.now() > deadline) {
        throw new Error(`status bar item ${String(idSuffixOrLabel)} did not reach the expected state; last seen: ${JSON.stringify(last)}`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  /** Messages of the notification toasts currently on screen. */
  async readNotifications(): Promise<string[]> {
    return (await this.page.locator(SEL.toastMessage).allInnerTexts()).map((t) => t.trim());
  }

  async waitForNotification(pattern: RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
    const toast = this.page.locator(SEL.toastMessage).filter({ hasText: pattern }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await toast.innerText()).trim();
  }

  /**
   * Text of the active editor as rendered. Monaco renders only the lines in view, so this is the whole
   * document only when it fits on screen; read the file on disk for longer ones.
   */
  async readActiveEditorText(): Promise<string> {
    const lines = this.page.locator(SEL.activeEditorLines);
    await lines.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const rendered = await lines.evaluateAll((els: Element[]) =>
      els
        .map((el) => ({ top: parseFloat((el as HTMLElement).style.top || '0'), text: (el as HTMLElement).innerText }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text.replace(/\u00a0/g, ' ')),
    );
    return rendered.join('\n');
  }

  /** Title of the active editor tab. */
  async readActiveEditorTitle(): Promise<string> {
    const tab = this.page.locator('.editor-group-container.active .tab.active .label-name').first();
    return (await tab.innerText({ timeout: UI_TIMEOUT_MS })).trim();
  }

  /**
   * The content frame of a webview (panel or view). VS Code nests it twice: an outer `iframe.webview`
   * owned by the workbench, whose src names the extension (`extensionId=publisher.name`), and the
   * extension's document in its inner `iframe#active-frame`.
   */
  webview(options: { extensionId?: string; index?: number } = {}): FrameLocator {
    const outer = options.extensionId ? `iframe.webview.ready[src*="extensionId=${options.extensionId}&"]` : 'iframe.webview.ready';
    return this.page.locator(outer).nth(options.index ?? 0).contentFrame().frameLocator('iframe#active-frame');
  }

  /** Opens an activity-bar view container by clicking its icon (its accessible name starts with `title`). */
  async openViewContainer(title: string): Promise<void> {
    const item = this.page.locator(`${SEL.activityBar} [aria-label^="${title}"]`).first();
    await item.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const pane = this.page.locator('.part.sidebar');
    if (!(await pane.isVisible()) || !(await this.page.locator(`.part.sidebar .composite.title h2`).first().innerText().catch(() => '')).toLowerCase().includes(title.toLowerCase())) {
      await item.click();
    }
    await this.page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  }

  /** Drags the sash right of the side bar so the side bar is about `width` pixels wide. */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) throw new Error('the side bar is not visible');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width + 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
  }

  /** The sidebar pane (view) titled `title`, expanded. */
  async viewPane(title: string): Promise<Locator> {
    const exact = new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`, 'i');
    const pane = this.page.locator(SEL.sideBarPane).filter({ has: this.page.locator(`${SEL.paneHeader} .title`, { hasText: exact }) }).first();
    await pane.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const header = pane.locator(SEL.paneHeader).first();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    return pane;
  }

  /** The tree rows a view currently renders (trees render only the rows in view). */
  async readTreeRows(title: string): Promise<TreeRowState[]> {
    const pane = await this.viewPane(title);
    return pane.locator(SEL.treeRow).evaluateAll((rows: Element[]) =>
      rows.map((row) => ({
        label: (row.querySelector('.label-name') as HTMLElement | null)?.textContent?.trim() ?? '',
        description: (row.querySelector('.label-description') as HTMLElement | null)?.textContent?.trim() ?? '',
        ariaLabel: row.getAttribute('aria-label') ?? '',
        icons: Array.from(row.querySelectorAll('.codicon')).flatMap((i) => Array.from(i.classList)).filter((c) => c.startsWith('codicon-')),
      })),
    );
  }

  /** Polls a view's rows until `accept` holds; returns the rows last seen. */
  async waitForTreeRows(title: string, accept: (rows: TreeRowState[]) => boolean, timeoutMs = UI_TIMEOUT_MS): Promise<TreeRowState[]> {
    const deadline = Date.now() + timeoutMs;
    let last: TreeRowState[] = [];
    for (;;) {
      last = await this.readTreeRows(title).catch(() => last);
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`view ${title} did not show the expected rows; last seen: ${JSON.stringify(last.map((r) => `${r.label} | ${r.description}`))}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The message a tree view shows above its rows (`TreeView.message`), or '' when none. */
  async readViewMessage(title: string): Promise<string> {
    const pane = await this.viewPane(title);
    const message = pane.locator('.pane-body .message').first();
    return (await message.isVisible()) ? (await message.innerText()).trim() : '';
  }

  /** Focuses a view's tree and presses a navigation key in it (End, Home, PageDown…). */
  async pressInTree(title: string, key: string): Promise<void> {
    const pane = await this.viewPane(title);
    // Focusing the list (not clicking a row) leaves every item as it was, expanded or not.
    await pane.locator('.pane-body .monaco-list').first().focus();
    await this.page.keyboard.press(key);
  }

  /** Clicks a view's title-bar action by its accessible name (the command title). */
  async clickViewAction(title: string, action: string): Promise<void> {
    const pane = await this.viewPane(title);
    await pane.hover();
    await pane.locator(`${SEL.paneHeader} .actions [aria-label="${action}"]`).first().click({ timeout: UI_TIMEOUT_MS });
  }

  /**
   * Types into an input box and presses Enter when the command asks another question right after:
   * the widget never hides in between, so this waits for the next question's prompt instead.
   */
  async answerInputBox(text: string, nextPrompt: RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
    await this.fillInputBox(text, { submit: false });
    await this.page.keyboard.press('Enter');
    await this.waitForInputBoxPrompt(nextPrompt, timeoutMs);
  }

  /**
   * Waits until the open input box asks `prompt`. After a quick pick the same widget turns into the
   * next input box: text typed before that lands in the quick pick.
   */
  async waitForInputBoxPrompt(prompt: RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = await this.readInputBoxMessage().catch(() => '');
      if (prompt.test(shown)) return;
      if (Date.now() > deadline) throw new Error(`the input box did not ask ${String(prompt)}; last prompt: ${shown}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The open modal dialog's message and detail text. */
  async readDialog(timeoutMs = UI_TIMEOUT_MS): Promise<{ message: string; detail: string; buttons: string[] }> {
    await this.page.locator(SEL.dialog).waitFor({ state: 'visible', timeout: timeoutMs });
    const buttons = (await this.page.locator(SEL.dialogButton).allInnerTexts()).map((t) => t.trim());
    const detail = (await this.page.locator(SEL.dialogDetail).first().innerText()).trim();
    // A dialog without a detail shows its message in the detail element and has no message element.
    if ((await this.page.locator(SEL.dialogMessage).count()) === 0) return { message: detail, detail: '', buttons };
    return { message: (await this.page.locator(SEL.dialogMessage).first().innerText()).trim(), detail, buttons };
  }

  async clickDialogButton(label: string): Promise<void> {
    const button = this.page.locator(SEL.dialogButton).filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }).first();
    await button.click({ timeout: UI_TIMEOUT_MS });
    // Not "the dialog is hidden": the next question may already be in a new dialog.
    await button.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  }

  private async openQuickInput(key: string): Promise<void> {
    const box = this.page.locator(SEL.quickInputBox);
    if (await box.isVisible()) await this.dismissQuickInput();
    // The palette may ignore the very first keypress while the workbench finishes booting.
    for (let attempt = 0; ; attempt++) {
      await this.page.keyboard.press(key);
      try {
        await box.waitFor({ state: 'visible', timeout: 3_000 });
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  }

  private async quickPickRow(label: string | RegExp): Promise<Locator> {
    const rows = this.page.locator(SEL.quickInputRow);
    const exact = typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) : label;
    const row = rows.filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first();
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    return row;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
