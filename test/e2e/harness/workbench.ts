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
} as const;

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
