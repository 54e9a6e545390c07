/**
 * Issue 9 item 1 end to end: a repository's `.vscode/settings.json` cannot change settings that act
 * on money or history. The workspace sets thresholds that would turn the credit item red at once
 * (warnBelow/criticalBelow far above the balance); VS Code ignores them because they are
 * application-scoped, so the item shows the balance in its normal colour under the user's own
 * thresholds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type Simulator } from '../simulator';
import { VsCodeSession } from './harness/session';

const CREDIT_ITEM = 'openrouterLedger.credits';

describe('workspace settings cannot act on money or history', () => {
  let simulator: Simulator;
  let session: VsCodeSession;

  before(async () => {
    simulator = await startSimulator({ totalCredits: 25 });
    session = await VsCodeSession.start({
      name: 'settingsScope',
      settings: {
        'openrouterLedger.baseUrl': simulator.baseUrl,
        'openrouterLedger.pollIntervalSeconds': 30,
        'openrouterLedger.statusBar.warnBelow': 5,
        'openrouterLedger.statusBar.criticalBelow': 1,
      },
      workspaceFiles: {
        '.vscode/settings.json': JSON.stringify({
          'openrouterLedger.statusBar.warnBelow': 1000,
          'openrouterLedger.statusBar.criticalBelow': 900,
          'openrouterLedger.ledger.retentionDays': 1,
          'openrouterLedger.baseUrl': 'http://127.0.0.1:9/api/v1',
        }),
      },
      secrets: [simulator.inferenceKey, simulator.managementKey],
    });
  });

  after(async () => {
    await session?.dispose();
    await simulator?.close();
  });

  it('keeps the user’s thresholds and endpoint although the workspace sets others', async () => {
    const { workbench } = session;
    await workbench.enterKeys({ api: simulator.inferenceKey, management: simulator.managementKey });

    const item = await workbench.waitForStatusBarItem(CREDIT_ITEM, (s) => s.text.includes('$25.00'), 30_000);
    await session.screenshot('workspace-thresholds-ignored');
    assert.equal(item.kind, 'standard', 'the workspace thresholds (1000 / 900) would have made it critical');
    assert.ok(simulator.requests.some((r) => r.path.endsWith('/key')), 'requests went to the user’s base URL, not the workspace’s');
  });
});
