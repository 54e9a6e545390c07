/** Where the command line finds the extension's ledger when no folder is given. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EXTENSION_ID, resolveLedgerDir, storageFolder, userDataDirs } from '../../src/cli/locations';
import { tempDir } from './helpers/ledgerFixtures';

test('the storage folder is named after package.json publisher.name, as VS Code names globalStorage folders', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { publisher: string; name: string };
  assert.equal(EXTENSION_ID, `${pkg.publisher}.${pkg.name}`.toLowerCase());
});

test('each platform looks at the VS Code, Insiders, VSCodium and code-server defaults', () => {
  const linux = userDataDirs('linux', {}, '/home/u').map((c) => c.dir);
  assert.deepEqual(linux.slice(0, 4), ['/home/u/.config/Code', '/home/u/.config/Code - Insiders', '/home/u/.config/VSCodium', '/home/u/.local/share/code-server']);
  assert.ok(linux.includes('/home/u/.vscode-server/data'));
  assert.equal(userDataDirs('linux', { XDG_CONFIG_HOME: '/x' }, '/home/u')[0].dir, '/x/Code');
  assert.equal(userDataDirs('darwin', {}, '/Users/u')[0].dir, '/Users/u/Library/Application Support/Code');
  assert.equal(userDataDirs('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u')[2].dir, path.join('C:\\Users\\u\\AppData\\Roaming', 'VSCodium'));
});

test('--ledger wins over OPENROUTER_LEDGER_DIR, which wins over the first default that holds a ledger', () => {
  const home = tempDir('cli-home-');
  try {
    const codium = storageFolder(path.join(home.dir, '.config', 'VSCodium'));
    mkdirSync(codium, { recursive: true });
    writeFileSync(path.join(codium, 'ledger.sqlite'), '');
    mkdirSync(path.join(home.dir, '.config', 'Code'), { recursive: true });
    const found = resolveLedgerDir(undefined, {}, 'linux', home.dir);
    assert.equal(found.dir, codium);
    assert.match(found.how, /VSCodium default/);
    assert.equal(resolveLedgerDir(undefined, { OPENROUTER_LEDGER_DIR: '/tmp/env-ledger' }, 'linux', home.dir).dir, '/tmp/env-ledger');
    assert.equal(resolveLedgerDir('/tmp/flag-ledger', { OPENROUTER_LEDGER_DIR: '/tmp/env-ledger' }, 'linux', home.dir).dir, '/tmp/flag-ledger');
    const none = resolveLedgerDir(undefined, {}, 'linux', path.join(home.dir, 'empty'));
    assert.match(none.how, /no ledger there yet/);
  } finally {
    home.cleanup();
  }
});
