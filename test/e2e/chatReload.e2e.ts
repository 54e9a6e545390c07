/**
 * Issue 9 item 2 end to end: reloading the window while an answer streams loses no billed call.
 * The request's row is on disk before it is sent; the reload shuts the extension down, which
 * cancels the stream and completes the row (or, had the host been killed, the next start marks
 * it interrupted); the reloaded window then prices it from /generation with the simulator's
 * exact cost. Real VS Code (code-server + Chromium), the packaged VSIX, the simulator.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../simulator';
import { VsCodeSession } from './harness/session';
import { ledgerRows } from './harness/ledgerFile';
import { eventually } from './harness/wait';

const MODEL = 'openai/gpt-4o-mini';

describe('a window reloaded mid-answer', () => {
  let simulator: Simulator;
  let session: VsCodeSession;

  before(async () => {
    simulator = await startSimulator({ totalCredits: 25, generationDelayMs: 300, streamChunkDelayMs: 150 });
    session = await VsCodeSession.start({
      name: 'chat-reload',
      settings: {
        'openrouterLedger.baseUrl': simulator.baseUrl,
        'openrouterLedger.pollIntervalSeconds': 30,
        'openrouterLedger.chat.defaultModel': MODEL,
        'openrouterLedger.chat.maxTokens': 1000,
      },
      secrets: [simulator.inferenceKey, simulator.managementKey],
    });
    const { workbench } = session;
    await workbench.enterKeys({ api: simulator.inferenceKey });
    await workbench.waitForStatusBarItem('openrouterLedger.credits', (s) => /\$/.test(s.text), 30_000);
  });

  after(async () => {
    await session?.dispose();
    await simulator?.close();
  });

  it('the billed call is in the ledger after the reload, with its exact cost from /generation', async (t) => {
    const { workbench } = session;
    await workbench.runCommand('OpenRouter: Chat');
    await workbench.pickQuickPickItem(MODEL);
    // The picker's widget turns into the question box: typing earlier lands in the closing picker.
    await workbench.waitForInputBoxPrompt(/Ask anything/);
    await workbench.fillInputBox('Tell me a long story [[tokens:600]]');
    await eventually(async () => assert.match(await workbench.readActiveEditorText(), /You said: Tell me/), 30_000);
    assert.equal(simulator.generations().length, 0, 'still streaming: nothing billed yet');

    const reloaded = workbench.page.waitForEvent('load', { timeout: 60_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.waitUntilReady();
    await workbench.statusBarItem('openrouterLedger.credits').waitFor({ state: 'visible', timeout: 60_000 });

    const billed = await eventually(async () => {
      const [generation] = simulator.generations();
      assert.ok(generation?.cancelled, 'OpenRouter billed the cut-off stream');
      return generation;
    }, 30_000);
    const file = path.join(session.globalStorageDir, 'ledger.sqlite');
    const [row] = await eventually(async () => {
      assert.ok(existsSync(file));
      const rows = await ledgerRows(file, ['generation_id', 'status', 'total_cost', 'cost_source', 'completion_tokens']);
      assert.equal(rows.length, 1, 'exactly one row for the one call');
      assert.equal(rows[0].cost_source, 'generation', 'priced from /generation after the reload');
      return rows;
    }, 60_000, 1_000);
    assert.equal(row.generation_id, billed.id);
    // cancelled: the extension's shutdown ran and recorded it; interrupted: the host was gone first.
    assert.ok(row.status === 'cancelled' || row.status === 'interrupted', `status ${String(row.status)}`);
    t.diagnostic(`row status after the reload: ${String(row.status)}`);
    assert.equal(row.total_cost, Math.round(billed.cost * 1e9), "the simulator's exact cost, stored as whole nano-dollars");
    assert.equal(row.completion_tokens, billed.completionTokens);
  });
});
