/**
 * `npm run build` makes `dist/cli.js` what `bin` and `npm run cli` run: an executable script
 * (`#!/usr/bin/env node`) that finds sql-wasm.wasm and the lazily loaded undici.js beside it.
 * build.mjs rewrites dist/, so it runs under the build lock every builder of dist/ takes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator/types';
import { runCli } from './helpers/cliProcess';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const ROOT = path.resolve(__dirname, '../..');
const scratch = tempDir('cli-dist-');
/** The build's output, copied out while the lock is held: others may rebuild dist/ right after. */
const CLI = path.join(scratch.dir, 'cli.js');
let sim: Simulator;

before(async () => {
  const hasFlock = (() => {
    try {
      execFileSync('flock', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const script = `"${process.execPath}" build.mjs && cp dist/cli.js dist/undici.js dist/sql-wasm.wasm "${scratch.dir}/"`;
  execFileSync(hasFlock ? 'flock' : 'sh', hasFlock ? ['/tmp/openrouter-build.lock', 'sh', '-c', script] : ['-c', script], { cwd: ROOT, stdio: 'ignore' });
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
  scratch.cleanup();
});

test('dist/cli.js from build.mjs runs as a script: a ledger command and an OpenRouter command', async () => {
  assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['openrouter-ledger'], 'dist/cli.js');
  const t = tempDir('cli-bundle-');
  try {
    const l = await open(t.dir);
    await l.appendGeneration(row({ totalCost: 0.25 }));
    await l.close();
    const stats = await runCli(CLI, ['stats', '--json', '--ledger', t.dir]);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).totals.cost, 0.25);
    const credits = await runCli(CLI, ['credits', '--json', '--base-url', sim.baseUrl], { OPENROUTER_MANAGEMENT_KEY: sim.managementKey });
    assert.equal(credits.code, 0, credits.stderr);
    assert.equal(JSON.parse(credits.stdout).totalCredits, 25);
  } finally {
    t.cleanup();
  }
});
