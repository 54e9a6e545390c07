/**
 * The command line never shows an unknown cost as a known one: spend with requests of unknown
 * cost is "≥ $X (N requests of unknown cost)", tiny costs are not "$0.0000", a limit is compared
 * in nano-dollars, and a `call` stopped by a signal is recorded with its estimate. The bundled
 * cli.js as a child process, real ledger folders, the local simulator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator/types';
import { buildCli, runCli } from './helpers/cliProcess';
import { open, row, tempDir } from './helpers/ledgerFixtures';
import { keyTotals } from '../../src/cli/commands/management';

const scratch = tempDir('cli-build-');
let cli: string;
let sim: Simulator;
before(async () => {
  cli = await buildCli(scratch.dir);
  sim = await startSimulator({ streamChunkDelayMs: 150 });
});
after(async () => {
  await sim.close();
  scratch.cleanup();
});

test('stats and alert say "≥ $X (N requests of unknown cost)" and report uncostedRequests in --json; a tiny cost is not $0.0000', async () => {
  const t = tempDir('cli-uncosted-');
  try {
    const l = await open(t.dir);
    const now = Date.now();
    await l.appendGeneration(row({ ts: now - 1000, totalCost: 0.01 }));
    await l.appendGeneration(row({ ts: now - 900, totalCost: null, costSource: 'estimate', status: 'success' }));
    await l.appendGeneration(row({ ts: now - 800, modelUsed: 'tiny/model', totalCost: 0.00004 }));
    // An error before OpenRouter named a generation was not billed: not "unknown".
    await l.appendGeneration(row({ ts: now - 700, generationId: null, totalCost: null, costSource: 'estimate', status: 'error' }));
    await l.close();

    const table = await runCli(cli, ['stats', '--ledger', t.dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /≥ \$0\.0100/, table.stdout);
    assert.match(table.stdout, /\(1 request of unknown cost\)/);
    assert.match(table.stdout, /\$0\.00004\b/, 'a cost below $0.0001 keeps its digits');
    assert.doesNotMatch(table.stdout, /\$0\.0000(?!\d)/, 'no non-zero amount reads $0.0000');
    const j = JSON.parse((await runCli(cli, ['stats', '--json', '--ledger', t.dir])).stdout);
    assert.equal(j.uncostedRequests, 1);
    const today = JSON.parse((await runCli(cli, ['stats', '--json', '--by', 'user', '--ledger', t.dir])).stdout);
    assert.equal(today.uncostedRequests, 1, 'the full-load path counts the same');

    const alert = await runCli(cli, ['alert', '--daily-limit', '5', '--ledger', t.dir, '--base-url', sim.baseUrl]);
    assert.equal(alert.code, 0, alert.stderr);
    assert.match(alert.stdout, /^ok: today ≥ \$0\.0100 \(1 request of unknown cost\)/);
    const aj = JSON.parse((await runCli(cli, ['alert', '--json', '--daily-limit', '5', '--ledger', t.dir, '--base-url', sim.baseUrl])).stdout);
    assert.equal(aj.spentToday.uncostedRequests, 1);
  } finally {
    t.cleanup();
  }
});

test('alert: a request exactly at the limit passes (0.1 + 0.2 vs 0.3); --daily-limit 0 is a usage error; a management key alone is not read as the key\'s usage', async () => {
  const t = tempDir('cli-alert-exact-');
  try {
    const l = await open(t.dir);
    await l.appendGeneration(row({ ts: Date.now() - 2000, totalCost: 0.1 }));
    await l.appendGeneration(row({ ts: Date.now() - 1000, totalCost: 0.2 }));
    await l.close();
    const exact = await runCli(cli, ['alert', '--daily-limit', '0.3', '--ledger', t.dir]);
    assert.equal(exact.code, 0, exact.stdout + exact.stderr);
    const over = await runCli(cli, ['alert', '--daily-limit', '0.299999', '--ledger', t.dir]);
    assert.equal(over.code, 1, over.stdout);

    const zero = await runCli(cli, ['alert', '--daily-limit', '0', '--ledger', t.dir]);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--daily-limit must be more than \$0/);

    const keyReads = () => sim.requests.filter((r) => r.path.endsWith('/key')).length;
    const before = keyReads();
    const mgmt = await runCli(cli, ['alert', '--json', '--daily-limit', '5', '--ledger', t.dir, '--base-url', sim.baseUrl], { OPENROUTER_MANAGEMENT_KEY: sim.managementKey });
    assert.equal(mgmt.code, 0, mgmt.stderr);
    assert.match(mgmt.stderr, /OpenRouter counters unavailable \(no OPENROUTER_API_KEY\)/);
    assert.equal(JSON.parse(mgmt.stdout).spentToday.openRouter, null);
    assert.equal(keyReads(), before, '/key was not read with the management key');
  } finally {
    t.cleanup();
  }
});

test('clean --before refuses a date in the future and a date after a pending row (which is kept)', async () => {
  const t = tempDir('cli-clean-');
  try {
    // The "window" stays open: its pending row is a call in progress, not an orphan to mark interrupted.
    const l = await open(t.dir);
    await l.appendGeneration(row({ ts: Date.UTC(2025, 0, 2), totalCost: 0.01 }));
    await l.appendGeneration(row({ ts: Date.UTC(2025, 0, 3), generationId: null, status: 'pending', totalCost: 0.02, costSource: 'estimate' }));
    await l.flush();
    const future = await runCli(cli, ['clean', '--before', '2999-01-01', '--yes', '--ledger', t.dir]);
    assert.equal(future.code, 2);
    assert.match(future.stderr, /in the future/);
    const pending = await runCli(cli, ['clean', '--before', '2025-02-01', '--yes', '--ledger', t.dir]);
    assert.equal(pending.code, 2, pending.stdout);
    assert.match(pending.stderr, /still pending/);
    const fine = await runCli(cli, ['clean', '--before', '2025-01-03', '--yes', '--ledger', t.dir]);
    assert.equal(fine.code, 0, fine.stderr);
    await l.refresh();
    assert.deepEqual(l.queries.recent(10).map((r) => r.status), ['pending']);
    await l.close();
  } finally {
    t.cleanup();
  }
});

test('--raw output cannot drive the terminal: C1/C0 controls from a hostile key name are replaced, the JSON still parses', async () => {
  sim.createKey({ name: 'evil\u009b2J\u0085name' });
  const raw = await runCli(cli, ['keys', '--raw', '--base-url', sim.baseUrl], { OPENROUTER_MANAGEMENT_KEY: sim.managementKey });
  assert.equal(raw.code, 0, raw.stderr);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(raw.stdout), JSON.stringify(raw.stdout.slice(0, 200)));
  const parsed = JSON.parse(raw.stdout) as { data: { name: string }[] };
  assert.ok(parsed.data.some((k) => k.name === 'evil\uFFFD2J\uFFFDname'));
});

test('call killed with SIGTERM mid-answer aborts and records the row as cancelled with a cost, before exiting', async () => {
  const t = tempDir('cli-sigterm-');
  try {
    const child = spawn(process.execPath, [cli, 'call', '--model', 'openai/gpt-4o-mini', '--prompt', 'tell me a long story please', '--stream', '--wait', '0',
      '--ledger', t.dir, '--base-url', sim.baseUrl], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OPENROUTER_API_KEY: sim.inferenceKey } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cancelled; the request is recorded/);
    const l = await open(t.dir);
    const [stored] = l.queries.recent(5);
    assert.equal(stored.status, 'cancelled');
    assert.ok(stored.total_cost !== null && stored.total_cost > 0, `a cost is kept (${stored.total_cost})`);
    await l.close();
  } finally {
    t.cleanup();
  }
});

test('keys totals are unknown (null) when any key\'s figure is unknown, never a sum counting it as $0', () => {
  const totals = keyTotals([
    { disabled: false, usage: 2, usageDaily: 0.5, usageMonthly: null },
    { disabled: true, usage: 3, usageDaily: 0.25, usageMonthly: 1 },
  ]);
  assert.deepEqual(totals, { keys: 2, disabled: 1, usage: 5, usageDaily: 0.75, usageMonthly: null });
});
