/**
 * Issue 8 end to end: the Spend Dashboard and the sidebar cost view in code-server against a
 * 100k-row ledger (imported before VS Code starts) and the simulator. Checks painted chart
 * canvases, KPI values equal to what the imported rows imply, an export button writing the
 * selected range, the "whole account" source showing OpenRouter's Analytics figures, light and
 * high-contrast theme switches, the status-bar tooltip link, a model id with markup shown as text
 * and running nothing, the cost view picking up a new chat and opening its look-up, and the panel
 * coming back after a window reload. Prints the two timings the issue asks for.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { openLedger } from '../../src/ledger';
import { formatUsd } from '../../src/util/money';
import { MARKUP_MODEL_ID, startSimulator, type Simulator } from '../simulator';
import { repoRoot } from './harness/paths';
import { VsCodeSession } from './harness/session';
import { eventually } from './harness/wait';

const ROWS = 100_000;
const ROW_COST = 0.001;
const MINUTE = 60_000;
const DAY = 86_400_000;
const BULK_MODELS = ['openai/gpt-4o', 'anthropic/claude-sonnet-4', 'openai/gpt-4o-mini'];
const CHART_IDS = ['daily', 'share', 'cumulative', 'hourly', 'latency', 'errors'];
/**
 * OpenRouter's own accounting for the account (seeded activity, which the simulator's Analytics
 * API aggregates): inside the 7-day range $1.25 + $0.50 = $1.75 over 5 + 2 = 7 requests and
 * 1,200 + 300 = 1,500 tokens; the 20-days-ago row lies outside it. None of it is in the ledger.
 */
const ACCOUNT_ACTIVITY = [
  { daysAgo: 1, model: 'openai/gpt-4o', usage: 1.25, requests: 5, promptTokens: 1000, completionTokens: 200 },
  { daysAgo: 3, model: 'anthropic/claude-sonnet-4', usage: 0.5, requests: 2, promptTokens: 250, completionTokens: 50 },
  { daysAgo: 20, model: 'openai/gpt-4o', usage: 7, requests: 70, promptTokens: 7000, completionTokens: 700 },
];

/** One imported request per minute back from `end`, each costing ROW_COST. */
async function importBulkLedger(globalStorage: string, end: number): Promise<void> {
  mkdirSync(globalStorage, { recursive: true });
  const file = path.join(os.tmpdir(), `dashboard-e2e-${process.pid}.jsonl`);
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    lines.push(JSON.stringify({
      ts: new Date(end - i * MINUTE).toISOString(), model: BULK_MODELS[i % 3], prompt_tokens: 100, completion_tokens: 50, cost: ROW_COST, id: `gen-bulk-${i}`,
    }));
  }
  writeFileSync(file, lines.join('\n'));
  const ledger = await openLedger({ dir: globalStorage, wasmPath: path.join(repoRoot, 'node_modules/sql.js/dist/sql-wasm.wasm') });
  const report = await ledger.importFile(file);
  await ledger.close();
  assert.equal(report.imported, ROWS);
}

/** Start of the last `days` UTC days including today (the machine runs code-server in UTC). */
function startOfLastDays(days: number, now: number): number {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return today - (days - 1) * DAY;
}

/** Rows of the bulk import inside the last `days` UTC days including today (the 30 d preset is the default range). */
function rowsInLastDays(days: number, end: number, now: number): number {
  return Math.min(ROWS, Math.floor((end - startOfLastDays(days, now)) / MINUTE) + 1);
}

/**
 * A dollar amount shown in cents equals `expected` to the cent. Within half a cent: a sum such as
 * 42,955 × $0.001 sits exactly on a half cent, which the ledger's floating-point total rounds
 * either way.
 */
function assertShowsUsd(shown: string, expected: number): void {
  assert.match(shown, /^\$[\d,]+\.\d{2}$/);
  const value = Number(shown.replace(/[$,]/g, ''));
  assert.ok(Math.abs(value - expected) <= 0.005 + 1e-9, `${shown} shown for $${expected}`);
}

/** A canvas as an image, to tell whether it was redrawn. */
function canvasImage(frame: Frame, id: string): Promise<string> {
  return frame.evaluate((canvasId) => (document.getElementById(canvasId) as HTMLCanvasElement).toDataURL(), id);
}

async function frameWith(session: VsCodeSession, selector: string): Promise<Frame> {
  return eventually(async () => {
    for (const frame of session.page.frames()) {
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    throw new Error(`no webview frame has ${selector}`);
  }, 30_000, 50);
}

/** How many pixels of a canvas have been drawn on (alpha > 0). */
function paintedPixels(frame: Frame, id: string): Promise<number> {
  return frame.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement | null;
    if (!canvas || !canvas.width || !canvas.height) return 0;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  }, id);
}

/** Picks a colour theme by its label, typed first: the list is virtualised and high contrast themes sit at its end. */
async function pickColorTheme(session: VsCodeSession, label: string): Promise<void> {
  await session.workbench.runCommand('Preferences: Color Theme');
  await session.page.locator('.quick-input-widget .quick-input-box input').fill(label);
  await session.workbench.pickQuickPickItem(label);
}

async function saveScreenshot(session: VsCodeSession, name: string): Promise<void> {
  const shot = await session.screenshot(name);
  if (process.env.E2E_UPDATE_SCREENSHOTS) {
    mkdirSync(path.join(repoRoot, 'docs', 'screenshots'), { recursive: true });
    copyFileSync(shot, path.join(repoRoot, 'docs', 'screenshots', `${name}.png`));
  }
}

describe('spend dashboard and cost view in VS Code', () => {
  let simulator: Simulator;
  let session: VsCodeSession;
  const bulkEnd = Date.now() - 2 * MINUTE;

  before(async () => {
    simulator = await startSimulator({ totalCredits: 25, generationDelayMs: 300, streamChunkDelayMs: 10 });
    simulator.seedActivity(ACCOUNT_ACTIVITY);
    session = await VsCodeSession.start({
      name: 'dashboard',
      settings: {
        'openrouterLedger.baseUrl': simulator.baseUrl,
        'openrouterLedger.pollIntervalSeconds': 30,
        'openrouterLedger.budget.monthly': 50,
        'workbench.colorTheme': 'Default Dark Modern',
      },
      secrets: [simulator.inferenceKey, simulator.managementKey],
      prepare: (dirs) => importBulkLedger(dirs.globalStorage, bulkEnd),
    });
    const { workbench } = session;
    await workbench.enterKeys({ api: simulator.inferenceKey, management: simulator.managementKey });
    await workbench.waitForStatusBarItem('openrouterLedger.credits', (s) => /\$25\.00/.test(s.text), 30_000);
  });

  after(async () => {
    await session?.dispose();
    await simulator?.close();
  });

  it('opens from the command palette and paints its charts', async () => {
    const { workbench } = session;
    // The first open also waits for the 100k-row ledger to load; time a second, warm open.
    await workbench.runCommand('OpenRouter: Open Spend Dashboard');
    let frame = await frameWith(session, '#kpis');
    await eventually(async () => assert.ok((await paintedPixels(frame, 'chart-daily')) > 0), 60_000);
    await session.page.keyboard.press('Control+W');
    await eventually(async () => assert.equal(await frame.isDetached() || !(await frame.$('#kpis').catch(() => null)), true), 10_000);

    const started = Date.now();
    await workbench.runCommand('OpenRouter: Open Spend Dashboard');
    frame = await frameWith(session, '#kpis');
    await eventually(async () => assert.ok((await paintedPixels(frame, 'chart-daily')) > 0), 15_000, 20);
    const seenMs = Date.now() - started;
    // The extension logs the time from the command to the webview's first painted frame.
    const logged = await eventually(() => {
      const all = [...session.readExtensionLog().matchAll(/first chart painted (\d+) ms after the command \(payload prepared in (\d+) ms; timeline ([^)]*)\)/g)];
      assert.equal(all.length, 2, 'both opens logged their first paint');
      return { paint: Number(all[1][1]), payload: Number(all[1][2]), timeline: all[1][3] };
    }, 10_000);
    // Marks taken after the paint was reported (the toolkit's controls), in ms after the page was created.
    const afterPaint = await frame.evaluate(() => `${performance.getEntriesByType('mark').map((m) => `${m.name} +${Math.round(m.startTime)}`).join(', ')}; `
      + `initial state ${document.getElementById('initial-state')?.textContent?.length} chars; scripts ${(performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => `${r.name.split('/').pop()} ${Math.round(r.startTime)}–${Math.round(r.responseEnd)}`).join(', ')}`);
    console.log(`[dashboard-e2e] command → first chart painted (100k-row ledger, warm): ${logged.paint} ms in the extension, payload ${logged.payload} ms (target ≤ 500 ms); ${seenMs} ms as seen by the test, palette typing included`);
    console.log(`[dashboard-e2e] first-paint timeline, ms after the command: ${logged.timeline}; in the page, ms after it was created: ${afterPaint}`);
    for (const id of CHART_IDS) {
      // The first paint draws the daily chart; the others follow a frame later.
      await eventually(async () => assert.ok((await paintedPixels(frame, `chart-${id}`)) > 100, `chart ${id} is drawn`), 5_000, 20);
      assert.ok(((await frame.getAttribute(`#chart-${id}`, 'aria-label')) ?? '').length > 0, `chart ${id} has an aria-label`);
    }
    await saveScreenshot(session, 'dashboard');
  });

  it('shows KPI values equal to what the imported ledger implies', async () => {
    const frame = await frameWith(session, '#kpis');
    const expected = rowsInLastDays(30, bulkEnd, Date.now());
    const spend = (await frame.innerText('[data-value="spend"]')).trim();
    const requests = (await frame.innerText('[data-value="requests"]')).trim();
    assert.equal(requests, expected.toLocaleString('en-US'));
    assertShowsUsd(spend, expected * ROW_COST);
    assert.equal((await frame.innerText('[data-value="tokens"]')).trim(), (expected * 150).toLocaleString('en-US'));
    assert.equal((await frame.innerText('[data-value="spendable"]')).trim(), '$25.00');
    assert.equal((await frame.innerText('[data-value="errorRate"]')).trim(), '0%');

    // Another range from the toolbar's dropdown: the KPIs follow without reopening the panel.
    await frame.click('#range');
    await frame.click('vscode-option[value="7d"]');
    const week = rowsInLastDays(7, bulkEnd, Date.now());
    await eventually(async () => assert.equal((await frame.innerText('[data-value="requests"]')).trim(), week.toLocaleString('en-US')), 10_000);
    assertShowsUsd((await frame.innerText('[data-value="spend"]')).trim(), week * ROW_COST);
  });

  it('exports the selected range from its export button into the file chosen in the save dialog', async () => {
    const { workbench, page } = session;
    const frame = await frameWith(session, '#kpis');
    const from = startOfLastDays(7, Date.now());
    const expected = rowsInLastDays(7, bulkEnd, Date.now());
    await frame.click('#range');
    await frame.click('vscode-option[value="7d"]');
    await eventually(async () => assert.equal((await frame.innerText('[data-value="requests"]')).trim(), expected.toLocaleString('en-US')), 10_000);
    // Every format the ledger export writes has its button (JSONL too).
    assert.deepEqual(await frame.$$eval('vscode-button[data-export]', (els) => els.map((e) => e.getAttribute('data-export'))), ['csv', 'json', 'jsonl', 'markdown']);
    await frame.click('vscode-button[data-export="json"]');
    // code-server's save dialog is VS Code's simple file dialog: a quick input holding the path.
    const target = path.join(session.dirs.root, 'dashboard-export-7d.json');
    const box = page.locator('.quick-input-widget .quick-input-box input');
    await box.waitFor({ state: 'visible', timeout: 15_000 });
    await eventually(async () => assert.match(await box.inputValue(), /openrouter-ledger-\d{4}-\d{2}-\d{2}\.json$/), 10_000);
    await workbench.fillInputBox(target, { submit: false });
    // A path in another folder: the first Enter moves the dialog to that folder, the next one saves.
    for (let attempt = 0; attempt < 6 && (await box.isVisible()); attempt++) {
      assert.ok((await box.inputValue()).endsWith('dashboard-export-7d.json'), await box.inputValue());
      await page.keyboard.press('Enter');
      await box.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined);
    }
    if (await box.isVisible()) {
      // Seen once, still open after four Enters: keep what it said, to tell a slow dialog from a refused path.
      await session.screenshot('export-dialog-stuck');
      const said = await page.locator('.quick-input-widget .quick-input-message').innerText().catch(() => '');
      assert.fail(`the save dialog did not accept ${await box.inputValue()} (it says: ${said || 'nothing'})`);
    }
    const note = await workbench.waitForNotification(/Exported [\d,]+ request\(s\) to/, 60_000);
    assert.ok(note.includes(`Exported ${expected} request(s) to ${target}`), note);
    const exported = JSON.parse(readFileSync(target, 'utf8')) as { range: { from: string | null }; rows: { ts: string; generation_id: string }[] };
    assert.equal(exported.range.from, new Date(from).toISOString(), 'the file covers the dashboard’s 7-day range');
    assert.equal(exported.rows.length, expected);
    assert.ok(exported.rows.every((r) => r.ts >= new Date(from).toISOString()), 'no row from before the range');
    assert.ok(exported.rows.some((r) => r.generation_id === 'gen-bulk-0'), 'the newest imported row is in the file');
    await workbench.runCommand('Notifications: Clear All Notifications');
  });

  it('switches to the whole account and shows OpenRouter’s Analytics figures for the range', async () => {
    const frame = await frameWith(session, '#kpis');
    await frame.click('#source');
    await frame.click('vscode-option[value="account"]');
    await eventually(async () => assert.equal((await frame.innerText('[data-value="spend"]')).trim(), '$1.75'), 15_000);
    assert.equal((await frame.innerText('[data-value="requests"]')).trim(), '7');
    assert.equal((await frame.innerText('[data-value="tokens"]')).trim(), '1,500');
    // Analytics answered, so no notice says it failed or fell back to daily activity.
    const notices = await frame.innerText('.notices');
    assert.match(notices, /OpenRouter reports whole UTC days/);
    assert.doesNotMatch(notices, /could not be read|Without a management key/);
    // OpenRouter's days are UTC days, and the view says so; charts it has no data for say that instead of drawing nothing.
    assert.match(await frame.innerText('.range-note'), /Days in UTC/);
    assert.match(await frame.innerText('#chart-errors-unavailable'), /does not report failed requests/);
    assert.match(await frame.innerText('#chart-latency-unavailable'), /does not report p95\/p99 latency/);
    assert.equal(await frame.isVisible('#chart-errors'), false);
    assert.ok((await paintedPixels(frame, 'chart-hourly')) > 100, 'the hours come from the Analytics API');
    await saveScreenshot(session, 'dashboard-account');

    await frame.click('#source');
    await frame.click('vscode-option[value="ledger"]');
    const week = rowsInLastDays(7, bulkEnd, Date.now());
    await eventually(async () => assert.equal((await frame.innerText('[data-value="requests"]')).trim(), week.toLocaleString('en-US')), 15_000);
  });

  it('follows a switch to a light theme and back', async () => {
    const frame = await frameWith(session, '#kpis');
    const darkImage = await frame.evaluate(() => (document.getElementById('chart-daily') as HTMLCanvasElement).toDataURL());
    await pickColorTheme(session, 'Light Modern');
    await eventually(async () => assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-light'))), 20_000);
    await eventually(async () => {
      const lightImage = await frame.evaluate(() => (document.getElementById('chart-daily') as HTMLCanvasElement).toDataURL());
      assert.notEqual(lightImage, darkImage, 'the chart was redrawn in the light theme’s colours');
    }, 10_000);
    assert.ok((await paintedPixels(frame, 'chart-daily')) > 100);
    await saveScreenshot(session, 'dashboard-light');
    await pickColorTheme(session, 'Dark Modern');
    await eventually(async () => assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-dark'))), 20_000);
  });

  it('follows a switch to the high contrast theme and back', async () => {
    const frame = await frameWith(session, '#kpis');
    const darkImage = await canvasImage(frame, 'chart-daily');
    const darkForeground = await frame.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim());
    await pickColorTheme(session, 'Dark High Contrast');
    await eventually(async () => assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-high-contrast'))), 20_000);
    const contrastForeground = await frame.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim());
    assert.notEqual(contrastForeground, darkForeground, 'the high contrast theme has its own colours');
    await eventually(async () => assert.notEqual(await canvasImage(frame, 'chart-daily'), darkImage, 'the chart was redrawn in the high contrast colours'), 10_000);
    for (const id of CHART_IDS) assert.ok((await paintedPixels(frame, `chart-${id}`)) > 100, `chart ${id} is drawn in high contrast`);
    await saveScreenshot(session, 'dashboard-high-contrast');
    await pickColorTheme(session, 'Dark Modern');
    await eventually(async () => assert.ok(await frame.evaluate(() => !document.body.classList.contains('vscode-high-contrast') && document.body.classList.contains('vscode-dark'))), 20_000);
  });

  it('opens from the link in the status-bar tooltip', async () => {
    const { workbench, page } = session;
    await workbench.runCommand('View: Close All Editors');
    await eventually(async () => {
      for (const f of page.frames()) assert.equal(await f.$('#kpis').catch(() => null), null, 'the dashboard is closed');
    }, 10_000);
    await workbench.statusBarItem('openrouterLedger.credits').hover();
    const link = page.locator('.workbench-hover a, .monaco-hover a').filter({ hasText: 'Open Spend Dashboard' }).first();
    await link.waitFor({ state: 'visible', timeout: 15_000 });
    await link.click();
    const frame = await frameWith(session, '#kpis');
    await eventually(async () => assert.ok((await paintedPixels(frame, 'chart-daily')) > 0), 15_000);
  });

  it('updates the cost view within a second of a chat, and shows a markup model id as text', async () => {
    const { workbench, page } = session;
    await page.locator('.activitybar [aria-label^="OpenRouter"]').first().click();
    const cost = await frameWith(session, '#cost-recent');
    await workbench.runCommand('OpenRouter: Chat');
    // The list is virtualised: filter it so the row is rendered.
    await page.locator('.quick-input-widget .quick-input-box input').fill('acme/');
    await workbench.pickQuickPickItem(MARKUP_MODEL_ID);
    await session.screenshot('markup-model-picked');
    await workbench.fillInputBox('Show me the markup', { submit: false });
    await session.screenshot('markup-question-typed');
    await workbench.acceptInputBox();
    await eventually(async () => assert.match(await workbench.readActiveEditorText(), /\$0\.\d+/), 30_000, 50);
    const answered = Date.now();
    await eventually(async () => {
      const models = await cost.$$eval('#cost-recent .model', (els) => els.map((e) => e.textContent));
      assert.equal(models[0], MARKUP_MODEL_ID);
    }, 10_000, 20);
    const updatedMs = Date.now() - answered;
    console.log(`[dashboard-e2e] completion shown → cost view updated: ${updatedMs} ms (target ≤ 1000 ms)`);
    await cost.locator('#cost-recent').scrollIntoViewIfNeeded();
    await saveScreenshot(session, 'cost-view');

    // The cost view's button brings the dashboard back to the front.
    await cost.click('#open-dashboard');
    const dashboard = await frameWith(session, '#kpis');
    for (const frame of [cost, dashboard]) {
      assert.equal(await frame.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned), undefined, 'no markup ran');
      const injected = await frame.evaluate(() => ({
        elements: document.querySelectorAll('img, b, [onerror]').length,
        scripts: Array.from(document.scripts).filter((el) => el.id !== 'initial-state' && (el.textContent ?? '').includes('__pwned')).length,
      }));
      assert.deepEqual(injected, { elements: 0, scripts: 0 }, 'no element was created from the model id');
    }
    await eventually(async () => {
      const cells = await dashboard.$$eval('#tables th[scope="row"]', (els) => els.map((e) => e.textContent));
      assert.ok(cells.includes(MARKUP_MODEL_ID), 'the dashboard lists the model id literally');
    }, 10_000);
  });

  it('shows the last five generations without scrolling in a 600 px tall sidebar', async () => {
    const cost = await frameWith(session, '#cost-recent');
    await cost.evaluate(() => window.scrollTo(0, 0));
    const layout = await cost.evaluate(() => {
      const items = document.querySelectorAll('#cost-recent li');
      return { items: items.length, bottom: Math.round(items[items.length - 1].getBoundingClientRect().bottom + window.scrollY), viewHeight: window.innerHeight };
    });
    console.log(`[dashboard-e2e] cost view: the 5th generation ends ${layout.bottom} px from the top (view ${layout.viewHeight} px tall here)`);
    assert.equal(layout.items, 5);
    // 600 px of sidebar less its title (35 px) and the three view headers (3 × 22 px) leaves about 500 px for the view.
    assert.ok(layout.bottom <= 500, `the last five end at ${layout.bottom} px`);
    assert.equal(await cost.isVisible('#cost-error'), false, 'no failure notice over good figures');
  });

  it('opens the look-up details of a generation clicked in the cost view’s last five', async () => {
    const billed = simulator.generations().find((g) => g.model === MARKUP_MODEL_ID);
    assert.ok(billed, 'the chat made a generation');
    const cost = await frameWith(session, '#cost-recent');
    await cost.click(`#cost-recent a.generation[data-generation-id="${billed.id}"]`);
    const details = await eventually(async () => {
      for (let index = 0; index < 3; index++) {
        const body = await session.workbench.webview({ extensionId: 'vscode.markdown-language-features', index }).locator('body').innerText({ timeout: 1_000 }).catch(() => '');
        if (body.includes(`Generation ${billed.id}`) && body.includes('Provider attempts')) return body;
      }
      throw new Error('no look-up details on screen');
    }, 30_000);
    await session.screenshot('cost-view-lookup');
    assert.match(details, /Provider\s+Acme\s+Acme/);
    assert.ok(details.includes(formatUsd(billed.cost)), `cost ${formatUsd(billed.cost)} shown`);
    // The reload below restores the panel that is in view: bring the dashboard back to the front.
    await session.workbench.runCommand('OpenRouter: Open Spend Dashboard');
    await frameWith(session, '#kpis');
  });

  it('comes back after the window is reloaded', async () => {
    const { workbench } = session;
    await workbench.runCommand('Developer: Reload Window');
    await workbench.waitUntilReady();
    const frame = await frameWith(session, '#kpis');
    await eventually(async () => assert.ok((await paintedPixels(frame, 'chart-daily')) > 0), 60_000);
  });

  it('writes no key to any file the extension or the tests produced', async () => {
    await session.shutdown();
    const leaks = session.findLeakedSecrets();
    assert.deepEqual(leaks, [], `keys found in: ${leaks.map((l) => l.file).join(', ')}`);
  });
});
