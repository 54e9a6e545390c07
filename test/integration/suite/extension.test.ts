import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'openrouter-ledger.openrouter-ledger';

suite('OpenRouter Ledger in the extension host', () => {
  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, 'the extension is installed');
    await extension.activate();
  });

  test('every contributed command is registered', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), `${command} is registered`);
  });

  test('Refresh Credits reads the simulator with the environment keys and shares the reading with other windows', async () => {
    await vscode.commands.executeCommand('openrouterLedger.refresh');
    const stateFile = path.join(process.env.ORL_USER_DATA!, 'User', 'globalStorage', EXTENSION_ID, 'credit-state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { reading: { credits: { totalCredits: number } | null } | null };
    assert.equal(state.reading?.credits?.totalCredits, 25, 'the simulator\'s account credits');
    assert.ok(!readFileSync(stateFile, 'utf8').includes(process.env.OPENROUTER_API_KEY!), 'no key in the shared state');
  });
});
