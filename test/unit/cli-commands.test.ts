/**
 * The command line as users run it: the bundled cli.js as a child process, against real ledger
 * folders and the local OpenRouter simulator. Every command, every exit code, the --json shapes,
 * and bad input that must leave the ledger untouched.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator/types';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { buildCli, runCli } from './helpers/cliProcess';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

const scratch = tempDir('cli-build-');
let cli: string;
let sim: Simulator;
before(async () => {
  cli = await buildCli(scratch.dir);
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
  scratch.cleanup();
});

const keys = () => ({ OPENROUTER_API_KEY: sim.inferenceKey, OPENROUTER_MANAGEMENT_KEY: sim.managementKey });

/** A ledger with 12 requests over two models (3 errors) written through the real ledger, closed. */
async function seeded(): Promise<{ dir: string; cleanup: () => void }> {
  const t = tempDir('cli-ledger-');
  const l = await open(t.dir);
  for (let i = 0; i < 12; i++) {
    await l.appendGeneration(row({ generationId: `gen-seed-${i}`, modelUsed: i < 8 ? 'openai/gpt-4o' : 'anthropic/claude-3.5-sonnet', totalCost: 0.01,
      status: i % 4 === 3 ? 'error' : 'success', tags: ['ci'], userId: i % 2 ? 'bob' : 'alice' }));
  }
  await l.close();
  return t;
}

/** Every file in a folder with its bytes, to show a command changed nothing. */
function snapshotOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, name.name);
      if (name.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

test('stats --json has stable fields; the table aligns money as $x.xxxx with a totals row', async () => {
  const t = await seeded();
  try {
    const r = await runCli(cli, ['stats', '--all', '--json', '--ledger', t.dir]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(result).sort(), ['by', 'groups', 'range', 'source', 'totals', 'uncostedRequests']);
    assert.equal(result.uncostedRequests, 0, 'every seeded request has a cost');
    assert.equal(result.totals.requests, 12);
    assert.equal(result.totals.errors, 3);
    assert.ok(Math.abs(result.totals.cost - 0.12) < 1e-9);
    const gpt = result.groups.find((g: { key: string }) => g.key === 'openai/gpt-4o');
    assert.deepEqual(Object.keys(gpt).sort(), ['completionTokens', 'cost', 'errorRate', 'errors', 'key', 'latency', 'promptTokens', 'requests', 'share']);
    assert.equal(gpt.requests, 8);
    assert.ok(Math.abs(gpt.share - 8 / 12) < 1e-9);
    assert.deepEqual(Object.keys(gpt.latency).sort(), ['count', 'method', 'p50', 'p95', 'p99']);

    const byUser = await runCli(cli, ['stats', '--by', 'user', '--ledger', t.dir]);
    assert.equal(byUser.code, 0, byUser.stderr);
    const lines = byUser.stdout.split('\n');
    assert.match(lines.find((l) => l.startsWith('alice')) ?? '', /\s6\s.*\$0\.0600\s+50\.0%/);
    assert.match(lines.find((l) => l.startsWith('total')) ?? '', /\s12\s.*\$0\.1200\s+100\.0%/);
    const header = lines.find((l) => l.startsWith('user')) as string;
    assert.equal(header.indexOf('cost') + 4, lines.find((l) => l.startsWith('total'))!.indexOf('$0.1200') + 7, 'money right-aligned under its header');

    const chart = await runCli(cli, ['stats', '--by', 'day', '--chart', '--ledger', t.dir]);
    assert.match(chart.stdout, /2025-01-15\s+\$0\.1200 █{40}/);
  } finally {
    t.cleanup();
  }
});

test('usage errors exit 2 with the usage line and change nothing on disk', async () => {
  const t = await seeded();
  try {
    const before = snapshotOf(t.dir);
    for (const args of [
      ['stats', '--bogus'], ['stats', '--from', '2025-02-30'], ['stats', '--by', 'planet'], ['stats', '--today', '--all'],
      ['export', '--format', 'xml'], ['clean'], ['alert'], ['query'], ['call', '--model', 'openai/gpt-4o'],
    ]) {
      const r = await runCli(cli, [...args, '--ledger', t.dir], keys());
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^openrouter-ledger \w+: .+\nUsage: openrouter-ledger /, args.join(' '));
    }
    const bare = await runCli(cli, []);
    assert.equal(bare.code, 2);
    assert.match(bare.stdout, /^Usage: openrouter-ledger <command>[\s\S]*Exit codes: 0 ok, 1 limit or check tripped, 2 usage or input error, 3 OpenRouter error/);
    const help = await runCli(cli, ['stats', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: openrouter-ledger stats \[--today/);
    const unknown = await runCli(cli, ['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.deepEqual(snapshotOf(t.dir), before);
  } finally {
    t.cleanup();
  }
});

test('a missing ledger is a clear message (exit 2), never a new empty one; a damaged one is reported and left as it is', async () => {
  const t = tempDir('cli-missing-');
  try {
    const missing = path.join(t.dir, 'nothing-here');
    const r = await runCli(cli, ['stats', '--ledger', missing]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No ledger in .*nothing-here.*--ledger DIR or set OPENROUTER_LEDGER_DIR/);
    assert.equal(existsSync(missing), false);

    const env = await runCli(cli, ['stats', '--verbose'], { OPENROUTER_LEDGER_DIR: missing });
    assert.match(env.stderr, /ledger folder: .*nothing-here \(from OPENROUTER_LEDGER_DIR\)/);

    const damaged = path.join(t.dir, 'damaged');
    const s = await seeded();
    const bytes = readFileSync(path.join(s.dir, 'ledger.sqlite'));
    s.cleanup();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, 'ledger.sqlite'), bytes.subarray(0, bytes.length - 1000));
    const before = snapshotOf(damaged);
    for (const args of [['stats'], ['verify'], ['import', path.join(damaged, 'ledger.sqlite')]]) {
      const d = await runCli(cli, [...args, '--ledger', damaged]);
      assert.notEqual(d.code, 0, args.join(' '));
      assert.match(d.stdout + d.stderr, /damaged|truncated|cannot be read/i, args.join(' '));
    }
    assert.deepEqual(snapshotOf(damaged), before, 'the damaged file is neither renamed nor rewritten');
  } finally {
    t.cleanup();
  }
});

test('call records an audited request (answer on stdout, cost on stderr), backfilled from /generation; query and generation show it', async () => {
  const t = tempDir('cli-call-');
  try {
    const r = await runCli(cli, ['call', '--model', 'openai/gpt-4o-mini', '--prompt', 'Say hello [[tokens:12]]', '--tag', 'nightly', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'the answer is printed');
    const id = /(gen-[\w-]+)/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    assert.match(r.stderr, /success · openai\/gpt-4o-mini · cost \$\d+\.\d{4,} \(exact, from \/generation\)/);
    assert.ok(!r.stderr.includes(sim.inferenceKey) && !r.stdout.includes(sim.inferenceKey));

    const q = await runCli(cli, ['query', '--id', id, '--json', '--ledger', t.dir]);
    assert.equal(q.code, 0, q.stderr);
    const stored = JSON.parse(q.stdout);
    assert.equal(stored.cost_source, 'generation');
    assert.equal(stored.total_cost, sim.generations().find((g) => g.id === id)?.cost);
    assert.deepEqual(JSON.parse(stored.tags), ['cli', 'nightly']);
    assert.ok(!readdirSync(path.join(t.dir, 'journal')).some((f) => readFileSync(path.join(t.dir, 'journal', f), 'utf8').includes(sim.inferenceKey)), 'no key in the journals');

    const g = await runCli(cli, ['generation', '--id', id, '--json', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(g.code, 0, g.stderr);
    const shown = JSON.parse(g.stdout);
    assert.equal(shown.generation.id, id);
    assert.equal(shown.ledger.generation_id, id);
    assert.deepEqual(shown.differences, []);
    const raw = await runCli(cli, ['generation', '--id', id, '--raw', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(JSON.parse(raw.stdout).data.id, id);

    const streamed = await runCli(cli, ['call', '--model', 'openai/gpt-4o-mini', '--prompt', 'Stream this [[tokens:8]]', '--stream', '--wait', '0', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.ok(streamed.stdout.trim().length > 0);
    assert.match(streamed.stderr, /usage\.cost; the exact record is left pending for the extension/);

    const l = await open(t.dir);
    assert.equal((await l.pendingBackfills()).length, 1, 'the --wait 0 call is left pending for the extension');
    await l.updateGeneration({ generationId: id }, { totalCost: 1.5 });
    await l.close();
    const marked = await runCli(cli, ['generation', '--id', id, '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.match(marked.stdout.split('\n').find((line) => line.startsWith('cost')) ?? '', /\$1\.5000\s+≠ differs/);
    const gone = await runCli(cli, ['generation', '--id', 'gen-1600000000-NoSuchRecord', '--wait', '0', '--base-url', sim.baseUrl], keys());
    assert.equal(gone.code, 3);
    assert.match(gone.stderr, /no record of gen-1600000000-NoSuchRecord: the id is unknown/);

    const unknown = await runCli(cli, ['query', '--id', 'gen-not-there', '--ledger', t.dir]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no request with id gen-not-there/);
    const malformed = await runCli(cli, ['generation', '--id', '../../etc', '--base-url', sim.baseUrl], keys());
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--id: A generation id has only letters, digits/);
  } finally {
    t.cleanup();
  }
});

test('call refuses over a per-request limit (exit 1, nothing sent); a missing key is exit 2, an unreachable API exit 3', async () => {
  const t = tempDir('cli-limits-');
  try {
    const sentBefore = sim.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    const refused = await runCli(cli, ['call', '--model', 'openai/gpt-4o', '--prompt', 'hi', '--max-cost', '0.0000001', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /Blocked by your budget/);
    assert.equal(sim.requests.filter((r) => r.path.endsWith('/chat/completions')).length, sentBefore);

    const noKey = await runCli(cli, ['call', '--model', 'openai/gpt-4o', '--prompt', 'hi', '--ledger', t.dir, '--base-url', sim.baseUrl]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /set OPENROUTER_API_KEY/);
    const noMgmt = await runCli(cli, ['keys', '--base-url', sim.baseUrl], { OPENROUTER_API_KEY: sim.inferenceKey });
    assert.equal(noMgmt.code, 2);
    assert.match(noMgmt.stderr, /set OPENROUTER_MANAGEMENT_KEY/);

    const down = await runCli(cli, ['credits', '--base-url', 'http://127.0.0.1:9/api/v1', '--retries', '0', '--timeout', '2'], keys());
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /openrouter-ledger credits: .*(reach|connect|refused)/i);
    assert.ok(!down.stderr.includes(sim.managementKey));
  } finally {
    t.cleanup();
  }
});

test('alert exits 1 with one line per tripped limit, 0 when within; it counts the larger of ledger and /key', async () => {
  const t = tempDir('cli-alert-');
  try {
    const l = await open(t.dir);
    await l.appendGeneration(row({ ts: Date.now(), totalCost: 0.5 }));
    await l.close();
    const tripped = await runCli(cli, ['alert', '--daily-limit', '0.25', '--monthly-limit', '0.3', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(tripped.code, 1, tripped.stderr);
    const lines = tripped.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^ALERT daily limit: spent \$0\.5000 today .*over the limit of \$0\.2500/);
    assert.match(lines[1], /^ALERT monthly limit/);
    const fine = await runCli(cli, ['alert', '--json', '--ledger', t.dir, '--base-url', sim.baseUrl], { ...keys(), OPENROUTER_DAILY_LIMIT: '5' });
    assert.equal(fine.code, 0, fine.stderr);
    assert.equal(JSON.parse(fine.stdout).spentToday.limit, 5);
    sim.setAccountCredits(10, 9.5);
    const low = await runCli(cli, ['alert', '--min-credits', '1', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(low.code, 1);
    assert.match(low.stdout, /ALERT credits: \$0\.5000 spendable/);
    sim.setAccountCredits(25, 0);
  } finally {
    t.cleanup();
  }
});

test('export (csv, jsonl to stdout), report; import all-or-nothing; clean asks; verify catches an edited row', async () => {
  const t = await seeded();
  // Exported and imported files live outside the ledger folder, in a folder of their own that is removed afterwards.
  const files = tempDir('cli-files-');
  try {
    const jsonl = await runCli(cli, ['export', '--format', 'jsonl', '--ledger', t.dir]);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    const records = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(records.length, 12);
    assert.deepEqual(Object.keys(records[0]).slice(0, 4), ['uid', 'generation_id', 'ts', 'model_requested']);
    const csvFile = path.join(files.dir, 'export.csv');
    const csv = await runCli(cli, ['export', '--format', 'csv', '--from', '2025-01-15', '--to', '2025-01-15', '--output', csvFile, '--ledger', t.dir]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(readFileSync(csvFile, 'utf8').trim().split('\r\n').length, 13);
    const report = await runCli(cli, ['report', '--from', '2025-01-01', '--to', '2025-01-31', '--ledger', t.dir]);
    assert.match(report.stdout, /^# OpenRouter Ledger report/);

    const good = path.join(files.dir, 'usage.jsonl');
    writeFileSync(good, ['{"ts":"2025-01-10T10:30:00Z","model":"google/gemini-2.0-flash-001","prompt_tokens":1500,"completion_tokens":500,"cost":0.0025,"id":"gen-imp-1"}',
      '{"ts":"2025-01-10T11:00:00Z","model":"anthropic/claude-3.5-sonnet","prompt_tokens":2000,"completion_tokens":1000,"cost":0.015,"id":"gen-imp-2"}'].join('\n'));
    const bad = path.join(files.dir, 'bad.jsonl');
    writeFileSync(bad, '{"ts":"2025-01-10T10:30:00Z","model":"m","cost":0.1,"id":"gen-imp-3"}\n{"ts":"yesterday","model":"m","id":"gen-imp-4"}\n');
    const rejected = await runCli(cli, ['import', bad, '--ledger', t.dir]);
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /rejected line 2: "ts" is not a valid ISO-8601 date-time/);
    assert.equal(JSON.parse((await runCli(cli, ['stats', '--json', '--ledger', t.dir])).stdout).totals.requests, 12, 'nothing imported');
    const imported = await runCli(cli, ['import', good, '--json', '--ledger', t.dir]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).imported, 2);
    assert.equal(JSON.parse((await runCli(cli, ['import', good, '--json', '--ledger', t.dir])).stdout).skipped, 2, 'a second import skips duplicates');

    const refused = await runCli(cli, ['clean', '--before', '2025-01-15', '--ledger', t.dir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /stdin is not a terminal.*--yes/);
    const cleaned = await runCli(cli, ['clean', '--before', '2025-01-15', '--yes', '--ledger', t.dir]);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stdout, /Deleted 2 requests/);

    const ok = await runCli(cli, ['verify', '--ledger', t.dir]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const SQL = await loadSqlJs(WASM_PATH);
    const db = new SQL.Database(readFileSync(path.join(t.dir, 'ledger.sqlite')));
    db.run("UPDATE generations_packed SET total_cost = 0 WHERE generation_id = 'gen-seed-3'");
    writeFileSync(path.join(t.dir, 'ledger.sqlite'), db.export());
    db.close();
    const broken = await runCli(cli, ['verify', '--json', '--ledger', t.dir]);
    assert.equal(broken.code, 1);
    const problems = JSON.parse(broken.stdout).problems;
    assert.ok(problems.some((p: { kind: string; generationId: string }) => p.kind === 'altered' && p.generationId === 'gen-seed-3'), broken.stdout);
  } finally {
    t.cleanup();
    files.cleanup();
  }
});

test('activity, credits and keys read the management API (every page of /keys); activity is kept in the ledger', async () => {
  const t = tempDir('cli-mgmt-');
  try {
    sim.seedActivity([{ daysAgo: 1, model: 'openai/gpt-4o', usage: 1.25, requests: 10 }, { daysAgo: 2, model: 'openai/gpt-4o-mini', usage: 0.5, requests: 4 }]);
    const a = await runCli(cli, ['activity', '--summary', '--json', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(a.code, 0, a.stderr);
    const summary = JSON.parse(a.stdout);
    assert.ok(Math.abs(summary.totals.usage - 1.75) < 1e-9);
    assert.equal(summary.totals.requests, 14);
    const csvFile = path.join(t.dir, 'activity.csv');
    const table = await runCli(cli, ['activity', '--csv', csvFile, '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.match(table.stdout, /total\s+14\s.*\$1\.7500/);
    assert.equal(readFileSync(csvFile, 'utf8').trim().split('\r\n').length, 3);
    const l = await open(t.dir);
    assert.equal((await l.queries.activity('all')).length, 2, 'upserted into activity_daily, once');
    await l.close();

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const oneDay = await runCli(cli, ['activity', '--date', yesterday, '--json', '--ledger', t.dir, '--base-url', sim.baseUrl], keys());
    assert.equal(oneDay.code, 0, oneDay.stderr);
    assert.deepEqual(JSON.parse(oneDay.stdout).days.map((d: { date: string; model: string }) => [d.date, d.model]), [[yesterday, 'openai/gpt-4o']]);
    assert.equal(sim.requests.filter((r) => r.path.endsWith('/activity')).pop()?.query.date, yesterday);

    const c = await runCli(cli, ['credits', '--json', '--base-url', sim.baseUrl], keys());
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(Object.keys(JSON.parse(c.stdout)), ['totalCredits', 'totalUsage', 'remaining']);

    sim.seedKeys(150);
    const k = await runCli(cli, ['keys', '--json', '--base-url', sim.baseUrl], keys());
    assert.equal(k.code, 0, k.stderr);
    const listed = JSON.parse(k.stdout);
    assert.ok(listed.keys.length > 150, `all pages (${listed.keys.length})`);
    assert.ok(!k.stdout.includes(sim.inferenceKey) && !k.stdout.includes(sim.managementKey));
    const raw = await runCli(cli, ['keys', '--raw', '--base-url', sim.baseUrl], keys());
    assert.equal(JSON.parse(raw.stdout).data.length, listed.keys.length);
  } finally {
    t.cleanup();
  }
});

test('the CLI writing while another process (a VS Code window) writes: nothing is lost, nothing doubled', async () => {
  const { buildWorker, startWorker, acked } = await import('./helpers/ledgerProcesses');
  const t = tempDir('cli-concurrent-');
  try {
    const worker = await buildWorker(scratch.dir);
    const file = path.join(scratch.dir, 'concurrent-usage.jsonl');
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => JSON.stringify({ ts: `2025-02-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`, model: 'm/import', cost: 0.001, id: `gen-cli-${i}` })).join('\n'));
    const window = startWorker(worker, { dir: t.dir, wasmPath: WASM_PATH, tag: 'win', count: 300, concurrency: 4, pollIntervalMs: 50, snapshotDelayMs: 50, maxSnapshotDelayMs: 300 });
    await window.waitFor(/^ready /);
    const [imported, called] = await Promise.all([
      runCli(cli, ['import', file, '--json', '--ledger', t.dir]),
      runCli(cli, ['call', '--model', 'openai/gpt-4o-mini', '--prompt', 'concurrent', '--wait', '0', '--ledger', t.dir, '--base-url', sim.baseUrl], keys()),
    ]);
    assert.equal(await window.exited, 0, window.lines.slice(-5).join('\n'));
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).imported, 200);
    assert.equal(called.code, 0, called.stderr);
    assert.equal(acked(window).length, 300);
    const stats = await runCli(cli, ['stats', '--json', '--ledger', t.dir]);
    assert.equal(JSON.parse(stats.stdout).totals.requests, 501, 'window 300 + import 200 + call 1');
    const l = await open(t.dir);
    assert.equal(l.queries.recent(1000).length, 501);
    assert.equal((await l.verify()).ok, true);
    await l.close();
  } finally {
    t.cleanup();
  }
});

test('without --ledger the CLI finds the ledger in the extension\'s VS Code storage folder and says so with --verbose', async () => {
  const home = tempDir('cli-default-home-');
  try {
    const { cpSync, mkdirSync } = await import('node:fs');
    const s = await seeded();
    const target = path.join(home.dir, '.config', 'Code', 'User', 'globalStorage', 'openrouter-ledger.openrouter-ledger');
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(s.dir, target, { recursive: true });
    s.cleanup();
    const r = await runCli(cli, ['stats', '--json', '--verbose'], { HOME: home.dir, XDG_CONFIG_HOME: path.join(home.dir, '.config') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).totals.requests, 12);
    assert.match(r.stderr, /ledger folder: .*globalStorage\/openrouter-ledger\.openrouter-ledger \(from the VS Code default\)/);
  } finally {
    home.cleanup();
  }
});

test('hostile strings in model names cannot drive the terminal: control characters are replaced in tables, escaped in JSON', async () => {
  const t = tempDir('cli-hostile-');
  try {
    const l = await open(t.dir);
    await l.appendGeneration(row({ modelUsed: '\u001b[2J\u001b[31mevil\rmodel\u0007', totalCost: 0.01 }));
    await l.close();
    const table = await runCli(cli, ['stats', '--ledger', t.dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(table.stdout), JSON.stringify(table.stdout));
    assert.match(table.stdout, /\uFFFD\[2J\uFFFD\[31mevil\uFFFDmodel\uFFFD/);
    const j = await runCli(cli, ['stats', '--json', '--ledger', t.dir]);
    assert.equal(JSON.parse(j.stdout).groups[0].key, '\u001b[2J\u001b[31mevil\rmodel\u0007');
  } finally {
    t.cleanup();
  }
});
