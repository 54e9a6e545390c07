import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CommandIds } from '../../src/commands/ids';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const nls = JSON.parse(readFileSync('package.nls.json', 'utf8'));

test('every registered command is contributed in package.json and vice versa', () => {
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(contributed, Object.values(CommandIds).sort());
});

test('every contributed command has the OpenRouter category and a localized title', () => {
  for (const c of manifest.contributes.commands) {
    assert.equal(c.category, 'OpenRouter', c.command);
    const key = /^%(.+)%$/.exec(c.title)?.[1];
    assert.ok(key && typeof nls[key] === 'string' && nls[key].length > 0, `${c.command} has no title in package.nls.json`);
  }
});

test('every %placeholder% in the manifest resolves in package.nls.json', () => {
  const placeholders = JSON.stringify(manifest).match(/%[\w.]+%/g) ?? [];
  for (const p of placeholders) assert.ok(p.slice(1, -1) in nls, `${p} missing from package.nls.json`);
});

/**
 * Settings a workspace's `.vscode/settings.json` may change: only display preferences. Every other
 * setting deletes data, spends money, changes what is sent or where, or what is recorded, so it
 * must be `application` (or `machine`) scope, where VS Code ignores workspace values.
 */
const WORKSPACE_MAY_SET: Record<string, string> = {
  'openrouterLedger.ledger.timeZone': 'display only: how days are cut in charts and reports; rows are stored in UTC and budgets use UTC',
};
const USER_ONLY_SCOPES = ['application', 'machine'];
const VALID_SCOPES = ['application', 'machine', 'window', 'resource', 'language-overridable', 'machine-overridable'];

test('every contributed setting has a deliberate scope, and only display settings can be set by a workspace', () => {
  const settings = manifest.contributes.configuration.flatMap((g: { properties: Record<string, { scope?: string }> }) =>
    Object.entries(g.properties),
  ) as Array<[string, { scope?: string }]>;
  assert.ok(settings.length >= 15, 'the manifest walk found the settings');
  for (const [key, schema] of settings) {
    assert.ok(schema.scope !== undefined, `${key} has no explicit scope`);
    assert.ok(VALID_SCOPES.includes(schema.scope), `${key} has an unknown scope ${schema.scope}`);
    if (!USER_ONLY_SCOPES.includes(schema.scope)) {
      assert.ok(key in WORKSPACE_MAY_SET, `${key} is ${schema.scope}-scoped, so a cloned repository could set it`);
    }
  }
  for (const key of Object.keys(WORKSPACE_MAY_SET)) {
    assert.ok(settings.some(([k]) => k === key), `${key} is allowed for workspaces but no longer contributed`);
  }
});

test('settings that act on money, history or where requests go are user-only', () => {
  const props = Object.assign({}, ...manifest.contributes.configuration.map((g: { properties: object }) => g.properties));
  const moneyOrHistory = Object.keys(props).filter((k) =>
    /^openrouterLedger\.(baseUrl|requestTimeoutSeconds|network\.|budget\.|chat\.|audit\.|ledger\.retentionDays|pollIntervalSeconds|statusBar\.)/.test(k),
  );
  // The groups above hold every budget, chat, audit and retention setting there is, present or future.
  for (const key of ['ledger.retentionDays', 'chat.defaultModel', 'chat.maxTokens', 'chat.fallbackModels', 'audit.userId', 'audit.tags', 'budget.daily']) {
    assert.ok(moneyOrHistory.includes(`openrouterLedger.${key}`), key);
  }
  for (const key of moneyOrHistory) assert.ok(USER_ONLY_SCOPES.includes(props[key].scope), `${key} must be application or machine scope`);
});
