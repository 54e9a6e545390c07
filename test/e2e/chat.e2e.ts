/**
 * Issues 3 and 4 end to end: a user chats from the command palette, sees the answer stream into an
 * editor, and the ledger file on disk (a real SQLite file) holds the audited row with the
 * simulator's exact cost and, with the default setting, no prompt text.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../simulator';
import { VsCodeSession } from './harness/session';
import { ledgerRows } from './harness/ledgerFile';
import { eventually } from './harness/wait';

const MODEL = 'openai/gpt-4o-mini';
const QUESTION = 'What is a ledger for';

interface LedgerRow {
  generation_id: string | null;
  model_requested: string;
  model_used: string | null;
  status: string;
  total_cost: number | null;
  cost_source: string;
  prompt_text: string | null;
  prompt_hash: string | null;
  streamed: number | null;
}

const LEDGER_COLUMNS = ['generation_id', 'model_requested', 'model_used', 'status', 'total_cost', 'cost_source', 'prompt_text', 'prompt_hash', 'streamed'];

describe('audited chat in VS Code', () => {
  let simulator: Simulator;
  let session: VsCodeSession;

  before(async () => {
    simulator = await startSimulator({ totalCredits: 25, generationDelayMs: 500, streamChunkDelayMs: 40 });
    session = await VsCodeSession.start({
      name: 'chat',
      settings: {
        'openrouterLedger.baseUrl': simulator.baseUrl,
        'openrouterLedger.pollIntervalSeconds': 30,
        'openrouterLedger.chat.defaultModel': MODEL,
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

  it('streams the answer into an editor', async () => {
    const { workbench } = session;
    await workbench.runCommand('OpenRouter: Chat');
    await workbench.pickQuickPickItem(MODEL);
    // The picker's widget turns into the question box: typing earlier lands in the closing picker.
    await workbench.waitForInputBoxPrompt(/Ask anything/);
    await workbench.fillInputBox(QUESTION);
    const text = await eventually(async () => {
      const shown = await workbench.readActiveEditorText();
      assert.match(shown, new RegExp(`You said: ${QUESTION}`));
      assert.match(shown, /\$0\.\d+/, 'the finished turn shows its cost');
      return shown;
    }, 30_000);
    await session.screenshot('chat-answer');
    assert.match(text, /OpenRouter Chat 1 — openai\/gpt-4o-mini/);
    assert.match(text, new RegExp(`\\*\\*You:\\*\\* ${QUESTION}|You: ${QUESTION}`));
  });

  it('the ledger file on disk holds the row with the exact cost and no prompt text', async () => {
    const file = path.join(session.globalStorageDir, 'ledger.sqlite');
    const rows = await eventually(async () => {
      assert.ok(existsSync(file), 'ledger.sqlite exists in the extension global storage');
      const found = await ledgerRows<LedgerRow>(file, LEDGER_COLUMNS);
      assert.equal(found.length, 1);
      assert.equal(found[0].cost_source, 'generation', 'completed from /generation');
      return found;
    }, 40_000, 1_000);
    const billed = simulator.generations();
    assert.equal(billed.length, 1);
    const [row] = rows;
    assert.equal(row.generation_id, billed[0].id);
    assert.equal(row.model_requested, MODEL);
    assert.equal(row.model_used, MODEL);
    assert.equal(row.status, 'success');
    assert.equal(row.streamed, 1);
    assert.equal(row.total_cost, Math.round(billed[0].cost * 1e9), "the simulator's exact cost, stored as whole nano-dollars");
    assert.equal(row.prompt_text, null, 'no prompt text with the default audit.storePrompts');
    assert.match(row.prompt_hash ?? '', /^[0-9a-f]{64}$/);
    const raw = readFileSync(file).toString('latin1');
    assert.ok(!raw.includes(QUESTION), 'the question text is nowhere in the file');
  });

  it('"Verify Ledger Integrity" reports the ledger intact', async () => {
    await session.workbench.runCommand('OpenRouter: Verify Ledger Integrity');
    const note = await session.workbench.waitForNotification(/Ledger intact/);
    assert.match(note, /1 requests and \d+ chain entries verified/);
  });

  it('the status bar tooltip counts today\'s request made through the extension', async () => {
    const item = await session.workbench.readStatusBarItem('openrouterLedger.credits');
    await session.workbench.statusBarItem('openrouterLedger.credits').hover();
    const tooltip = await eventually(async () => {
      const hover = await session.workbench.page.locator('.monaco-hover, .workbench-hover').first().innerText();
      assert.match(hover, /Today \(UTC\) via this extension/);
      return hover;
    }, 15_000);
    assert.match(tooltip, /Today \(UTC\) via this extension\D*\b1 requests?\b/);
    assert.match(item.text, /\$\d+\.\d{2}/);
  });

  it('writes no key to any file the extension or the tests produced', async () => {
    await session.shutdown();
    const leaks = session.findLeakedSecrets();
    assert.deepEqual(leaks, [], `keys found in: ${leaks.map((l) => l.file).join(', ')}`);
  });
});
