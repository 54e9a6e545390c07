/**
 * Create, rename, limit, disable/enable and delete keys through OpenRouter's management API.
 * From the tree they act on the item; from the palette they ask which key. The secret of a new
 * key is shown once, in a modal, and lives only in a local variable until the modal closes —
 * unless the user stores it as their API key (SecretStorage), which replaces a stored one only
 * after asking. It is never logged.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../../commands/ids';
import { findKeyInUse, type KeyInUse } from '../../keys/keyHash';
import type { KeyStore } from '../../keys/keyStore';
import { maskKey } from '../../keys/mask';
import type { OpenRouterClient } from '../../openrouter/client';
import type { ApiKeyRecord, LimitReset } from '../../openrouter/types';
import type { Logger } from '../../util/logger';
import { formatUsd } from '../../util/money';
import { createFailureMessage, createMayHaveSucceeded, replaceKeyQuestion } from './createKeyMessages';
import { parseExpiry, parseKeyName, parseLimit, type Parsed } from './keyForm';
import type { KeyNode, KeysTreeProvider } from './keysTree';

export interface KeyActionDeps {
  client(): Pick<OpenRouterClient, 'listApiKeys' | 'createApiKey' | 'updateApiKey' | 'deleteApiKey'>;
  keys: KeyStore;
  tree: KeysTreeProvider;
  /** What identifies the API key in use here. */
  inUseKey(): Promise<KeyInUse | undefined>;
  logger: Logger;
  describeError(err: unknown): string;
}

type Target = KeyNode | undefined;

export function registerKeyActions(deps: KeyActionDeps): vscode.Disposable[] {
  const command = (id: string, name: string, run: (target: Target) => Promise<void>) =>
    vscode.commands.registerCommand(id, async (target: Target) => {
      try {
        await run(target);
      } catch (err) {
        deps.logger.warn(`${id} failed: ${deps.describeError(err)}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('{0} failed: {1}', name, deps.describeError(err)));
        // A key gone elsewhere (404) or a changed key must not stay on screen as it was.
        if (id !== CommandIds.refreshKeys) void deps.tree.refresh();
      }
    });
  return [
    command(CommandIds.refreshKeys, vscode.l10n.t('Refresh Keys'), () => deps.tree.refresh()),
    command(CommandIds.showDisabledKeys, vscode.l10n.t('Show Disabled Keys'), async () => deps.tree.setIncludeDisabled(true)),
    command(CommandIds.hideDisabledKeys, vscode.l10n.t('Hide Disabled Keys'), async () => deps.tree.setIncludeDisabled(false)),
    command(CommandIds.createKey, vscode.l10n.t('Create Key'), () => createKey(deps)),
    command(CommandIds.renameKey, vscode.l10n.t('Rename Key'), (t) => renameKey(deps, t)),
    command(CommandIds.setKeyLimit, vscode.l10n.t('Set Key Limit'), (t) => setKeyLimit(deps, t)),
    command(CommandIds.toggleKey, vscode.l10n.t('Disable/Enable Key'), (t) => toggleKey(deps, t)),
    command(CommandIds.deleteKey, vscode.l10n.t('Delete Key'), (t) => deleteKey(deps, t)),
  ];
}

async function ask<T>(title: string, prompt: string, parse: (text: string) => Parsed<T>, value = ''): Promise<T | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parse(v);
      return parsed.ok ? undefined : { message: parsed.problem, severity: vscode.InputBoxValidationSeverity.Error };
    },
  });
  if (text === undefined) return undefined;
  const parsed = parse(text);
  return parsed.ok ? parsed.value : undefined;
}

async function askReset(title: string, current: LimitReset = null): Promise<LimitReset | undefined> {
  const items: Array<vscode.QuickPickItem & { reset: LimitReset }> = [
    { label: vscode.l10n.t('Never'), description: vscode.l10n.t('the limit is for the key’s whole life'), reset: null },
    { label: vscode.l10n.t('Daily'), description: vscode.l10n.t('resets at midnight UTC'), reset: 'daily' },
    { label: vscode.l10n.t('Weekly'), description: vscode.l10n.t('resets Monday 00:00 UTC'), reset: 'weekly' },
    { label: vscode.l10n.t('Monthly'), description: vscode.l10n.t('resets on the 1st, 00:00 UTC'), reset: 'monthly' },
  ];
  for (const item of items) item.picked = item.reset === current;
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('When does the limit reset?'), ignoreFocusOut: true });
  return picked ? picked.reset : undefined;
}

async function askIncludeByok(title: string, current = false): Promise<boolean | undefined> {
  const yes = { label: vscode.l10n.t('Count BYOK usage toward the limit'), value: true };
  const no = { label: vscode.l10n.t('Only OpenRouter credits count toward the limit'), value: false };
  const picked = await vscode.window.showQuickPick(current ? [yes, no] : [no, yes], { title, ignoreFocusOut: true });
  return picked?.value;
}

async function createKey(deps: KeyActionDeps): Promise<void> {
  const title = vscode.l10n.t('OpenRouter: Create Key');
  const name = await ask(title, vscode.l10n.t('Name of the new key'), (v) => parseKeyName(v, vscode.l10n.t));
  if (name === undefined) return;
  const limit = await ask(title, vscode.l10n.t('Spending limit in USD (empty: no limit)'), (v) => parseLimit(v, vscode.l10n.t));
  if (limit === undefined) return;
  let limitReset: LimitReset = null;
  let includeByokInLimit = false;
  if (limit !== null) {
    const reset = await askReset(title);
    if (reset === undefined) return;
    limitReset = reset;
    const byok = await askIncludeByok(title);
    if (byok === undefined) return;
    includeByokInLimit = byok;
  }
  const expiresAt = await ask(title, vscode.l10n.t('Expiry date YYYY-MM-DD, UTC (empty: never expires)'), (v) => parseExpiry(v, Date.now(), vscode.l10n.t));
  if (expiresAt === undefined) return;

  let created: { record: ApiKeyRecord; key: string };
  try {
    created = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Creating key “{0}”…', name) },
      () => deps.client().createApiKey({ name, limit, limitReset, includeByokInLimit, expiresAt }),
    );
  } catch (err) {
    if (!createMayHaveSucceeded(err)) throw err;
    // The answer was lost, not necessarily the key: it may exist with a secret nobody saw.
    deps.logger.warn(`${CommandIds.createKey} failed, the key may exist: ${deps.describeError(err)}`);
    void vscode.window.showErrorMessage(createFailureMessage(err, deps.describeError(err), vscode.l10n.t));
    void deps.tree.refresh();
    return;
  }
  deps.logger.info(`key created: ${created.record.label} (${created.record.hash.slice(0, 12)}…)`);
  void deps.tree.refresh();
  await showNewSecretOnce(deps, created.record, created.key);
}

/**
 * The only place the new secret is shown. It goes out of scope when this returns. Declining to
 * replace the stored API key shows the secret again, then only to copy: it is not lost, and not kept.
 */
async function showNewSecretOnce(deps: KeyActionDeps, record: ApiKeyRecord, secret: string): Promise<void> {
  const copy = vscode.l10n.t('Copy');
  const use = vscode.l10n.t('Use as My API Key');
  let choices = [copy, use];
  let choice: string | undefined;
  for (;;) {
    choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Key “{0}” created. Copy it now: OpenRouter shows a key only once, and this extension does not keep it.', record.name),
      { modal: true, detail: secret },
      ...choices,
    );
    if (choice !== use || (await confirmReplacingApiKey(deps))) break;
    choices = [copy];
  }
  if (choice === copy) {
    await vscode.env.clipboard.writeText(secret);
    void vscode.window.showInformationMessage(vscode.l10n.t('Key {0} copied to the clipboard.', maskKey(secret)));
  } else if (choice === use) {
    await deps.keys.store('inference', secret);
    deps.logger.info(`inference key stored (${maskKey(secret)})`);
    void vscode.window.showInformationMessage(vscode.l10n.t('OpenRouter API key saved: {0}', maskKey(secret)));
  }
}

/** True when no API key is stored, or the user agreed to replace the stored one (its secret is then gone for good). */
async function confirmReplacingApiKey(deps: KeyActionDeps): Promise<boolean> {
  const current = await deps.keys.status('inference');
  if (current.source !== 'secret-storage' || !current.masked) return true;
  const replace = vscode.l10n.t('Replace');
  const answer = await vscode.window.showWarningMessage(replaceKeyQuestion(current.masked, vscode.l10n.t), { modal: true }, replace);
  return answer === replace;
}

/** The item's key, or one the user picks from the current list (disabled keys included). */
async function targetKey(deps: KeyActionDeps, target: Target, purpose: string): Promise<{ record: ApiKeyRecord; inUse: boolean } | undefined> {
  if (target?.kind === 'key') {
    // The item may predate a key change still being listed: either sign of "in use" counts.
    const inUse = target.view.inUse || target.view.record.hash === (await deps.inUseKey())?.hash;
    return { record: target.view.record, inUse };
  }
  const [records, inUseKey] = await Promise.all([
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing OpenRouter keys…') },
      () => deps.client().listApiKeys({ includeDisabled: true }),
    ),
    deps.inUseKey(),
  ]);
  const inUse = findKeyInUse(records, inUseKey);
  if (!records.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This account has no API keys.'));
    return undefined;
  }
  const items = records.map((record) => ({
    label: record.name,
    description: [record.label, record.hash === inUse ? vscode.l10n.t('in use here') : '', record.disabled ? vscode.l10n.t('disabled') : ''].filter(Boolean).join(' · '),
    detail: vscode.l10n.t('{0} this month · limit {1}', formatUsd(record.usageMonthly), record.limit === null ? vscode.l10n.t('none') : formatUsd(record.limit)),
    record,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: purpose, placeHolder: vscode.l10n.t('Which key?'), matchOnDescription: true, ignoreFocusOut: true });
  return picked ? { record: picked.record, inUse: picked.record.hash === inUse } : undefined;
}

async function renameKey(deps: KeyActionDeps, target: Target): Promise<void> {
  const title = vscode.l10n.t('OpenRouter: Rename Key');
  const key = await targetKey(deps, target, title);
  if (!key) return;
  const name = await ask(title, vscode.l10n.t('New name for {0}', key.record.label), (v) => parseKeyName(v, vscode.l10n.t), key.record.name);
  if (name === undefined || name === key.record.name) return;
  await deps.client().updateApiKey(key.record.hash, { name });
  void deps.tree.refresh();
  void vscode.window.showInformationMessage(vscode.l10n.t('Key renamed to “{0}”.', name));
}

async function setKeyLimit(deps: KeyActionDeps, target: Target): Promise<void> {
  const title = vscode.l10n.t('OpenRouter: Set Key Limit');
  const key = await targetKey(deps, target, title);
  if (!key) return;
  const r = key.record;
  const limit = await ask(title, vscode.l10n.t('Spending limit for “{0}” in USD (empty: no limit)', r.name), (v) => parseLimit(v, vscode.l10n.t), r.limit === null ? '' : String(r.limit));
  if (limit === undefined) return;
  const limitReset = limit === null ? null : await askReset(title, r.limitReset);
  if (limitReset === undefined) return;
  const includeByokInLimit = limit === null ? r.includeByokInLimit : await askIncludeByok(title, r.includeByokInLimit);
  if (includeByokInLimit === undefined) return;
  const updated = await deps.client().updateApiKey(r.hash, { limit, limitReset, includeByokInLimit });
  void deps.tree.refresh();
  void vscode.window.showInformationMessage(
    updated.limit === null
      ? vscode.l10n.t('“{0}” has no limit now.', updated.name)
      : vscode.l10n.t('“{0}”: limit {1}, {2} left.', updated.name, formatUsd(updated.limit), formatUsd(updated.limitRemaining)),
  );
}

async function toggleKey(deps: KeyActionDeps, target: Target): Promise<void> {
  const title = vscode.l10n.t('OpenRouter: Disable/Enable Key');
  const key = await targetKey(deps, target, title);
  if (!key) return;
  const disable = !key.record.disabled;
  if (disable && key.inUse) {
    const confirm = vscode.l10n.t('Disable');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('“{0}” is the key this extension uses here. Disable it? Chat stops working until it is enabled again.', key.record.name),
      { modal: true },
      confirm,
    );
    if (choice !== confirm) return;
  }
  await deps.client().updateApiKey(key.record.hash, { disabled: disable });
  void deps.tree.refresh();
  void vscode.window.showInformationMessage(disable ? vscode.l10n.t('“{0}” disabled.', key.record.name) : vscode.l10n.t('“{0}” enabled.', key.record.name));
}

async function deleteKey(deps: KeyActionDeps, target: Target): Promise<void> {
  const title = vscode.l10n.t('OpenRouter: Delete Key');
  const key = await targetKey(deps, target, title);
  if (!key) return;
  const remove = vscode.l10n.t('Delete');
  const first = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete the key “{0}” ({1})?', key.record.name, key.record.label),
    { modal: true, detail: vscode.l10n.t('Every app using it stops working at once. This cannot be undone.') },
    remove,
  );
  if (first !== remove) return;
  if (key.inUse) {
    const removeInUse = vscode.l10n.t('Delete the Key in Use');
    const second = await vscode.window.showWarningMessage(
      vscode.l10n.t('“{0}” is the key this extension uses here. After deleting it, chat fails until you set another API key. Delete it anyway?', key.record.name),
      { modal: true },
      removeInUse,
    );
    if (second !== removeInUse) return;
  }
  await deps.client().deleteApiKey(key.record.hash);
  void deps.tree.refresh();
  deps.logger.info(`key deleted: ${key.record.label}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Key “{0}” deleted.', key.record.name));
}
