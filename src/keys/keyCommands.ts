/**
 * "Set API Key", "Set Management Key", "Clear Keys", "Test Keys", and the warning shown when a
 * stored key has vanished from secret storage.
 */
import * as vscode from 'vscode';
import type { KeyInfo } from '../openrouter/types';
import { CommandIds } from '../commands/ids';
import type { Logger } from '../util/logger';
import { formatUsd } from '../util/money';
import { maskKey } from './mask';
import { decideSlot, keyFormatProblem, type KeySlot } from './keySlots';
import type { KeyStore } from './keyStore';

export interface KeyCommandDeps {
  store: KeyStore;
  logger: Logger;
  /** GET /key with the given key (not the stored one), meant for `slot`. */
  checkKey(key: string, slot: KeySlot): Promise<KeyInfo>;
  /** GET /credits with the stored keys, to show in "Test Keys". */
  readCredits(): Promise<{ totalCredits: number; totalUsage: number }>;
  /** True when OpenRouter answered that the key itself is invalid (401). */
  isRejectedKey(err: unknown): boolean;
  /** The user-facing sentence for a failure, in the user's language. */
  describeError(err: unknown): string;
}

const slotName = (slot: KeySlot) =>
  slot === 'inference' ? vscode.l10n.t('OpenRouter API key') : vscode.l10n.t('OpenRouter management key');

export function registerKeyCommands(deps: KeyCommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(CommandIds.setApiKey, () => setKey(deps, 'inference')),
    vscode.commands.registerCommand(CommandIds.setManagementKey, () => setKey(deps, 'management')),
    vscode.commands.registerCommand(CommandIds.clearKeys, () => clearKeys(deps)),
    vscode.commands.registerCommand(CommandIds.testKeys, () => testKeys(deps)),
  ];
}

async function setKey(deps: KeyCommandDeps, slot: KeySlot): Promise<void> {
  const input = await vscode.window.showInputBox({
    title: slot === 'inference' ? vscode.l10n.t('OpenRouter: Set API Key') : vscode.l10n.t('OpenRouter: Set Management Key'),
    prompt:
      slot === 'inference'
        ? vscode.l10n.t('Paste an API key from openrouter.ai/settings/keys. It is kept in VS Code secret storage only.')
        : vscode.l10n.t('Paste a management key from openrouter.ai/settings/management-keys. It is kept in VS Code secret storage only.'),
    placeHolder: 'sk-or-v1-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => {
      const problem = keyFormatProblem(value, vscode.l10n.t);
      return problem ? { message: problem, severity: vscode.InputBoxValidationSeverity.Error } : undefined;
    },
  });
  if (input === undefined) return;
  const key = input.trim();

  let info: KeyInfo | undefined;
  try {
    info = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking the key with OpenRouter…') },
      () => deps.checkKey(key, slot),
    );
  } catch (err) {
    if (deps.isRejectedKey(err)) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('OpenRouter rejected the key {0}: {1} Nothing was saved.', maskKey(key), deps.describeError(err)),
      );
      return;
    }
    const saveAnyway = vscode.l10n.t('Save Anyway');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Could not check the key with OpenRouter: {0}', deps.describeError(err)),
      saveAnyway,
    );
    if (choice !== saveAnyway) return;
  }

  let target = slot;
  if (info) {
    const decision = decideSlot(slot, info.isManagementKey);
    if (decision.action === 'offer-swap') {
      const swap =
        decision.actualSlot === 'management'
          ? vscode.l10n.t('Store as Management Key')
          : vscode.l10n.t('Store as API Key');
      const message =
        decision.actualSlot === 'management'
          ? vscode.l10n.t(
              'This is a management key. Management keys cannot run completions; they read credits and activity and manage keys. Store it as your management key instead?',
            )
          : vscode.l10n.t('This is an ordinary API key, not a management key. Store it as your API key instead?');
      if ((await vscode.window.showWarningMessage(message, { modal: true }, swap)) !== swap) return;
      target = decision.actualSlot;
    }
  }
  await deps.store.store(target, key);
  deps.logger.info(`${target} key stored (${maskKey(key)})`);
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} saved: {1}', slotName(target), maskKey(key)));
}

async function clearKeys(deps: KeyCommandDeps): Promise<void> {
  const clear = vscode.l10n.t('Clear Keys');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove both OpenRouter keys from VS Code secret storage in every window?'),
    { modal: true, detail: vscode.l10n.t('Keys given by the OPENROUTER_API_KEY / OPENROUTER_MANAGEMENT_KEY environment variables stay in effect.') },
    clear,
  );
  if (choice !== clear) return;
  await deps.store.clear('inference');
  await deps.store.clear('management');
  deps.logger.info('keys cleared');
  void vscode.window.showInformationMessage(vscode.l10n.t('OpenRouter keys removed from secret storage.'));
}

/** One line per slot: what the key is, whether OpenRouter accepts it, and what it can do. */
export async function describeKeys(deps: KeyCommandDeps): Promise<string[]> {
  const lines: string[] = [];
  for (const slot of ['inference', 'management'] as const) {
    const status = await deps.store.status(slot);
    const key = await deps.store.get(slot);
    if (!key) {
      lines.push(vscode.l10n.t('{0}: not set', slotName(slot)));
      continue;
    }
    const from = status.source === 'environment' ? vscode.l10n.t(' (from environment)') : '';
    try {
      const info = await deps.checkKey(key, slot);
      const kind = info.isManagementKey ? vscode.l10n.t('management key') : vscode.l10n.t('API key');
      const limit = info.limit === null ? vscode.l10n.t('no limit') : vscode.l10n.t('limit {0}', formatUsd(info.limit));
      let line = vscode.l10n.t('{0} {1}{2}: OK, {3}, {4}', slotName(slot), maskKey(key), from, kind, limit);
      if (decideSlot(slot, info.isManagementKey).action === 'offer-swap') {
        line += vscode.l10n.t(' — stored in the wrong slot');
      }
      if (slot === 'management' && info.isManagementKey) {
        try {
          const credits = await deps.readCredits();
          line += vscode.l10n.t(', account balance {0}', formatUsd(credits.totalCredits - credits.totalUsage));
        } catch (err) {
          line += vscode.l10n.t(', credits unreadable: {0}', deps.describeError(err));
        }
      }
      lines.push(line);
    } catch (err) {
      lines.push(vscode.l10n.t('{0} {1}{2}: {3}', slotName(slot), maskKey(key), from, deps.describeError(err)));
    }
  }
  return lines;
}

async function testKeys(deps: KeyCommandDeps): Promise<void> {
  const lines = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Testing OpenRouter keys…') },
    () => describeKeys(deps),
  );
  for (const line of lines) deps.logger.info(line);
  void vscode.window.showInformationMessage(lines.join(' · '), { modal: false });
}

/** Says once per window why a key that was stored before is gone, and how to fix it. */
export async function warnAboutVanishedKeys(deps: KeyCommandDeps): Promise<void> {
  for (const slot of ['inference', 'management'] as const) {
    const status = await deps.store.status(slot);
    if (!status.vanished) continue;
    // Said once: the marker goes whatever the user answers (an environment key still works meanwhile).
    await deps.store.forgetVanished(slot);
    if (status.source === 'environment') continue;
    deps.logger.warn(`${slot} key ${status.vanished.masked} stored ${status.vanished.storedAt} is gone from secret storage`);
    const setAgain = slot === 'inference' ? vscode.l10n.t('Set API Key') : vscode.l10n.t('Set Management Key');
    const configure = vscode.l10n.t('Configure Runtime Arguments');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Your {0} ({1}, saved {2}) is no longer in VS Code’s secret storage. This happens when VS Code finds no OS keyring and keeps secrets in memory only until it restarts. Fix: in "Preferences: Configure Runtime Arguments" set "password-store" (for example "gnome-libsecret"), restart, then set the key again.',
        slotName(slot),
        status.vanished.masked,
        status.vanished.storedAt.slice(0, 10),
      ),
      setAgain,
      configure,
    );
    if (choice === undefined) continue;
    if (choice === setAgain) {
      await vscode.commands.executeCommand(slot === 'inference' ? CommandIds.setApiKey : CommandIds.setManagementKey);
    } else {
      await vscode.commands.executeCommand('workbench.action.configureRuntimeArguments');
    }
  }
}
