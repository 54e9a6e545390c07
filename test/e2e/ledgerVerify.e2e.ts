/**
 * Issue 9 items 5 and 8 end to end: in a real VS Code, the ledger runs in its worker thread
 * (dist/ledgerWorker.js from the VSIX), "Verify Ledger Integrity" checks the files on disk in a
 * child process of its own (the same bundle, forked), and a row edited in ledger.sqlite while
 * VS Code is open is reported with the column that changed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLedger } from '../../src/ledger';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { VsCodeSession } from './harness/session';

const WASM = path.resolve('node_modules/sql.js/dist/sql-wasm.wasm');

/** Three requests written through the ledger, before VS Code starts. */
async function seedLedger(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const ledger = await openLedger({ dir, wasmPath: WASM });
  for (let i = 1; i <= 3; i++) {
    await ledger.appendGeneration({
      generationId: `gen-e2e-${i}`, ts: Date.UTC(2025, 4, i, 12), modelRequested: 'openai/gpt-4o-mini', costSource: 'generation',
      status: 'success', totalCost: 0.25, promptTokens: 10, completionTokens: 5,
    });
  }
  await ledger.close();
}

describe('Verify Ledger Integrity in VS Code', () => {
  let session: VsCodeSession;

  before(async () => {
    session = await VsCodeSession.start({ name: 'ledgerVerify', prepare: (dirs) => seedLedger(dirs.globalStorage) });
  });

  after(async () => {
    await session?.dispose();
  });

  it('verifies the ledger off the extension host (worker thread, verification process)', async () => {
    const { workbench } = session;
    // The extension has activated once its status bar item is there.
    await workbench.statusBarItem('openrouterLedger.credits').waitFor({ state: 'visible', timeout: 60_000 });
    await workbench.runCommand('OpenRouter: Verify Ledger Integrity');
    const message = await workbench.waitForNotification(/Ledger intact/, 60_000);
    assert.match(message, /3 requests and 3 chain entries verified/);
  });

  it('reports a row edited in ledger.sqlite while VS Code is open, naming the column', async () => {
    const { workbench, page } = session;
    const file = path.join(session.globalStorageDir, 'ledger.sqlite');
    const SQL = await loadSqlJs(WASM);
    const db = new SQL.Database(readFileSync(file));
    db.run("UPDATE generations_packed SET total_cost = 0 WHERE generation_id = 'gen-e2e-2'");
    writeFileSync(`${file}.edited`, db.export());
    db.close();
    renameSync(`${file}.edited`, file);

    // With the first verification's toast still open, VS Code files the next notification in the
    // notification centre without a toast: start from a clear screen, as a user reading it would.
    await workbench.runCommand('Notifications: Clear All Notifications');
    await workbench.runCommand('OpenRouter: Verify Ledger Integrity');
    await workbench.waitForNotification(/changed outside OpenRouter Ledger: 1 problem/, 60_000);
    await session.screenshot('verify-found-edit');
    await page.locator('.notifications-toasts .notification-toast .monaco-button', { hasText: 'Show Details' }).first().click();
    // The editor wraps long lines.
    const details = (await workbench.readActiveEditorText()).replace(/\s+/g, ' ');
    assert.match(details, /generation gen-e2e-2/);
    assert.match(details, /total_cost is 0 in the file, 0\.25 as recorded/);
  });
});
