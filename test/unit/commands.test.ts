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

test('settings a cloned repository could abuse cannot be set by a workspace', () => {
  const props = Object.assign({}, ...manifest.contributes.configuration.map((g: { properties: object }) => g.properties));
  // Where keys are sent, whether prompts are stored, and every budget are the user's decisions only.
  for (const key of ['baseUrl', 'audit.storePrompts', 'audit.redactionPatterns', 'budget.daily', 'budget.monthly', 'budget.perRequest', 'budget.mode']) {
    assert.equal(props[`openrouterLedger.${key}`].scope, 'application', key);
  }
});
