/**
 * Dashboard benchmark: `npm run bench:dashboard [-- --sizes 10000,100000,1000000] [--runs 5]`.
 * For each size a synthetic one-year ledger is built by the ledger benchmark's builder (a child
 * process: `bench/ledger.bench.ts --build`), opened through the public API, and every payload the
 * dashboard and the cost view prepare is timed: the dashboard's chart payload for each range
 * preset (UTC and Europe/Berlin), its session and tag tables (sent in a second message), and the
 * cost view. First run (cold) and the median of the warm runs. JSON out.
 * Target: every warm payload ≤ 100 ms at 1M rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLedger } from '../src/ledger';
import { prepareCostView } from '../src/webviews/costView/data';
import { prepareBreakdowns, prepareDashboard, type DashboardInput } from '../src/webviews/dashboard/data';
import { RANGE_PRESETS } from '../src/webviews/shared/rangeSelection';

const WASM = path.resolve(__dirname, '../node_modules/sql.js/dist/sql-wasm.wasm');
const TARGET_MS = 100;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

async function time(fn: () => Promise<unknown>, runs: number): Promise<{ coldMs: number; warmMedianMs: number }> {
  let t = performance.now();
  await fn();
  const coldMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await fn();
    warm.push(performance.now() - t);
  }
  return { coldMs: round(coldMs), warmMedianMs: round(median(warm)) };
}

async function measure(size: number, runs: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `dashboard-bench-${size}-`));
  try {
    const now = Date.now();
    const built = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'ledger.bench.ts'), '--build', String(size), '--dir', dir, '--end', String(now)], {
      encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    if (built.status !== 0) throw new Error(`building the ${size}-row ledger failed: ${built.stderr}`);
    const ledger = await openLedger({ dir, wasmPath: WASM });
    try {
      const base: Omit<DashboardInput, 'selection' | 'timeZone'> = {
        source: 'ledger', whatIfTarget: null, now, budget: { daily: 5, monthly: 100 }, balance: null, catalogue: null,
      };
      const payloads: Record<string, { coldMs: number; warmMedianMs: number }> = {};
      for (const preset of RANGE_PRESETS.filter((p) => p !== 'custom')) {
        const input = { ...base, selection: { preset }, timeZone: 'utc' as const };
        payloads[`dashboard ${preset} utc`] = await time(() => prepareDashboard(ledger.queries, input, { breakdowns: false }), runs);
        payloads[`sessions+tags ${preset} utc`] = await time(() => prepareBreakdowns(ledger.queries, input), runs);
      }
      const berlin = { ...base, selection: { preset: '30d' as const }, timeZone: { timeZone: 'Europe/Berlin' } };
      payloads['dashboard 30d Europe/Berlin'] = await time(() => prepareDashboard(ledger.queries, berlin, { breakdowns: false }), runs);
      payloads['cost view utc'] = await time(() => prepareCostView(ledger.queries, { now, timeZone: 'utc', budget: base.budget, balance: null }), runs);
      const worstWarmMs = Math.max(...Object.values(payloads).map((p) => p.warmMedianMs));
      return { size, payloads, worstWarmMs, meetsTarget: worstWarmMs <= TARGET_MS };
    } finally {
      await ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '10000,100000,1000000').split(',').map(Number);
  const runs = Number(arg('runs', '5'));
  const results = [];
  for (const size of sizes) results.push(await measure(size, runs));
  process.stdout.write(`${JSON.stringify({ targetWarmMs: TARGET_MS, results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dashboard: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
