/**
 * Ledger benchmark: `npm run bench:ledger [-- --sizes 10000,100000,1000000] [--appends 20000] [--concurrency 256]`;
 * `npm run bench:ledger -- --capacity 2000000` probes one ledger near the size limit instead.
 *
 * For each size a synthetic ledger is built directly in sql.js (bulk insert + one snapshot, not
 * a million journal appends) by one child process, then measured by a second, fresh one through
 * the public API: load time, the dashboard query set, durable append throughput and latency
 * (concurrent, group committed; and one at a time), the snapshot cost, memory, file size and
 * bytes per request; then, opened in the ledger's worker thread as the extension does, the
 * longest stall of the host thread during appends, a snapshot, a CSV export and verify
 * (hostStall.ts). Prints JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openLedger, type LocalLedger } from '../src/ledger';
import { LedgerDb } from '../src/ledger/apply';
import { appendChainEntry, chainHead, ChainKind, type RawHead } from '../src/ledger/chain';
import { newUid, rowHash, rowValues } from '../src/ledger/normalize';
import { PACKED_COLUMNS, PACKED_TABLE, RowPacker } from '../src/ledger/packedRows';
import { rebuildRollups } from '../src/ledger/rollups';
import { migrate } from '../src/ledger/schema';
import { writeHead, writeSnapshot } from '../src/ledger/snapshot';
import { loadSqlJs } from '../src/ledger/sqljs';
import { capacityProbe, hostStalls } from './hostStall';
import { bytesByObject } from './pageStats';
import type { GenerationInput, StoredGeneration } from '../src/ledger/types';

const WASM = path.resolve(__dirname, '../node_modules/sql.js/dist/sql-wasm.wasm');
const DAY = 86_400_000;
const MODELS = Array.from({ length: 20 }, (_, i) => `provider${i % 6}/model-${i}`);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** A deterministic, realistic-looking request spread over the year before `end`. */
function synthetic(i: number, size: number, end: number): StoredGeneration {
  const ts = end - 365 * DAY + Math.floor((i / size) * 365 * DAY);
  const model = MODELS[(i * 7) % MODELS.length];
  const roll = (i * 2654435761) % 1000;
  const status = roll < 30 ? 'error' : roll < 40 ? 'timeout' : 'success';
  return {
    uid: newUid(ts), generation_id: `gen-${ts}-${i.toString(36)}`, ts: new Date(ts).toISOString(),
    model_requested: model, model_used: model, provider: `Provider${i % 6}`,
    prompt_tokens: 200 + (i % 5000), completion_tokens: 50 + (i % 1500), reasoning_tokens: i % 4 === 0 ? i % 300 : null, cached_tokens: null,
    total_cost: Math.round(((i % 997) + 1) * 13) / 1e6, upstream_inference_cost: null, cache_discount: null, is_byok: 0,
    cost_source: 'generation', latency_ms: 150 + Math.round(Math.exp(5 + (roll % 300) / 60)), ttft_ms: 120 + (i % 800), generation_time_ms: 900 + (i % 4000),
    status, error_code: status === 'error' ? (roll % 2 ? '429' : '502') : null, http_status: status === 'error' ? (roll % 2 ? 429 : 502) : 200,
    finish_reason: status === 'success' ? 'stop' : null, streamed: 1, user_id: `user${i % 10}`, tags: null,
    workspace: `workspace-${i % 5}`, git_branch: ['main', 'dev', 'feature/x'][i % 3], prompt_hash: (i * 2654435761).toString(16).padStart(16, '0').slice(0, 16),
    prompt_text: null, key_label: 'sk-or-v1-abc…wxyz', chat_session: `session-${Math.floor(i / 20)}`, origin: 'extension', backfill: 'done',
  };
}

/** Bytes per request of each table and index (pageStats.ts), largest first. */
function bytesPerRowByObject(ldb: LedgerDb, size: number): Record<string, number> {
  return Object.fromEntries(Object.entries(bytesByObject(ldb)).map(([name, bytes]) => [name, round(bytes / size)]));
}

/** Bulk build: rows + chain entries in one transaction, rollups computed once, one snapshot. */
async function build(dir: string, size: number, end: number): Promise<{ ms: number; bytesPerRowByObject: Record<string, number> }> {
  const started = performance.now();
  const SQL = await loadSqlJs(WASM);
  const ldb = new LedgerDb(new SQL.Database());
  migrate(ldb.db);
  ldb.transaction(() => {
    const insert = ldb.stmt(`INSERT INTO ${PACKED_TABLE} (${PACKED_COLUMNS.join(', ')}) VALUES (${PACKED_COLUMNS.map(() => '?').join(', ')})`);
    const packer = new RowPacker(ldb.stmt);
    let head: RawHead = null;
    for (let i = 0; i < size; i++) {
      const row = synthetic(i, size, end);
      const values = rowValues(row);
      insert.run(packer.pack(values));
      head = appendChainEntry(ldb.stmt, head, ChainKind.insert, row.uid, Date.parse(row.ts), rowHash(values));
    }
    rebuildRollups(ldb.db);
  });
  const snapshotId = randomBytes(8).toString('hex');
  ldb.db.run("INSERT INTO meta (key, value) VALUES ('snapshot_id', ?)", [snapshotId]);
  const head = chainHead(ldb.db);
  const file = await writeSnapshot(dir, ldb.exportBytes(), 'bench-build');
  if (head) await writeHead(dir, { ...head, snapshotId, fileSize: file.size, fileMtimeMs: file.mtimeMs });
  const ms = performance.now() - started;
  const byObject = bytesPerRowByObject(ldb, size);
  ldb.close();
  return { ms, bytesPerRowByObject: byObject };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (x: number) => Math.round(x * 100) / 100;

function dashboardSet(l: LocalLedger): Record<string, number> {
  const parts: Record<string, () => unknown> = {
    summary24h: () => l.queries.summary('24h'),
    summary7d: () => l.queries.summary('7d'),
    dashboard30d: () => l.queries.dashboard('30d', 'utc'),
    dashboardAllBerlin: () => l.queries.dashboard('all', { timeZone: 'Europe/Berlin' }),
  };
  const times: Record<string, number> = {};
  let total = 0;
  for (const [name, fn] of Object.entries(parts)) {
    const t = performance.now();
    fn();
    times[name] = round(performance.now() - t);
    total += times[name];
  }
  return { total: round(total), ...times };
}

function request(i: number, tag: string): GenerationInput {
  const model = MODELS[i % MODELS.length];
  return {
    generationId: `bench-${tag}-${i}`, ts: Date.now(), modelRequested: model, modelUsed: model, provider: 'Bench',
    promptTokens: 300, completionTokens: 80, totalCost: 0.0004, costSource: 'usage', status: 'success', latencyMs: 700 + (i % 900),
    ttftMs: 200, streamed: true, userId: `user${i % 10}`, workspace: 'bench', gitBranch: 'main', keyLabel: 'sk-or-v1-abc…wxyz',
  };
}

/** `count` appends, `concurrency` in flight; latency of each from call to durable resolution. */
async function appends(l: LocalLedger, count: number, concurrency: number, tag: string) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await l.appendGeneration(request(i, tag));
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    count, concurrency, perSecond: Math.round((count / elapsed) * 1000),
    latencyMs: { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies[latencies.length - 1]) },
  };
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const mb = (bytes: number) => round(bytes / 1024 / 1024);

async function measure(dir: string, size: number) {
  const fileBytes = statSync(path.join(dir, 'ledger.sqlite')).size;
  gc();
  const before = process.memoryUsage();
  let t = performance.now();
  const l = await openLedger({ dir, wasmPath: WASM });
  const loadMs = performance.now() - t;
  gc();
  const loaded = process.memoryUsage();

  const cold = dashboardSet(l);
  const warm = Array.from({ length: 5 }, () => dashboardSet(l));
  warm.sort((a, b) => a.total - b.total);

  const sequential = await appends(l, Number(arg('sequential', '1000')), 1, 'seq');
  const concurrent = await appends(l, Number(arg('appends', '20000')), Number(arg('concurrency', '256')), 'conc');
  t = performance.now();
  await l.flush();
  const snapshotMs = performance.now() - t;
  const afterAppends = dashboardSet(l);
  gc();
  const steady = process.memoryUsage();
  await l.close();
  // The same ledger as the extension opens it: in a worker thread, watched from the host thread.
  const worker = await hostStalls(dir, WASM, request);
  return {
    size,
    fileMB: mb(fileBytes),
    bytesPerRow: Math.round(fileBytes / size),
    loadMs: round(loadMs),
    dashboardMs: { cold, warmMedian: warm[2], afterAppends },
    sequentialAppend: sequential,
    concurrentAppend: concurrent,
    snapshotMs: round(snapshotMs),
    memoryMB: {
      rssBeforeLoad: mb(before.rss), rssAfterLoad: mb(loaded.rss), loadedRssPerFileSize: round(loaded.rss / fileBytes),
      heapUsedAfterLoad: mb(loaded.heapUsed), arrayBuffersAfterLoad: mb(loaded.arrayBuffers),
      rssAfterAppendsAndSnapshot: mb(steady.rss), arrayBuffersAfterSnapshot: mb(steady.arrayBuffers),
      peakRss: mb(process.resourceUsage().maxRSS * 1024), peakRssPerFileSize: round((process.resourceUsage().maxRSS * 1024) / fileBytes),
    },
    worker,
  };
}

/** Runs this script again in a fresh process (so one phase's memory does not colour the next). */
function child(args: string[]): string {
  const run = spawnSync(process.execPath, [...process.execArgv, __filename, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

async function main(): Promise<void> {
  if (process.argv.includes('--build')) {
    process.stdout.write(JSON.stringify(await build(arg('dir', ''), Number(arg('build', '0')), Number(arg('end', '0')))));
    return;
  }
  if (process.argv.includes('--probe')) {
    process.stdout.write(JSON.stringify(await capacityProbe(arg('dir', ''), WASM)));
    return;
  }
  if (process.argv.includes('--capacity')) {
    // One large ledger near the size limit (worker/capacity.ts): built, then probed in a fresh process.
    const size = Number(arg('capacity', '2000000'));
    const dir = mkdtempSync(path.join(os.tmpdir(), `ledger-capacity-${size}-`));
    try {
      child(['--build', String(size), '--dir', dir, '--end', String(Date.now())]);
      const fileBytes = statSync(path.join(dir, 'ledger.sqlite')).size;
      const probe = JSON.parse(child(['--probe', '--dir', dir])) as Awaited<ReturnType<typeof capacityProbe>>;
      process.stdout.write(`${JSON.stringify({ size, fileMB: mb(fileBytes), bytesPerRow: Math.round(fileBytes / size), ...probe }, null, 2)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (process.argv.includes('--measure')) {
    process.stdout.write(JSON.stringify(await measure(arg('dir', ''), Number(arg('measure', '0')))));
    return;
  }
  const sizes = arg('sizes', '10000,100000,1000000').split(',').map(Number);
  const passOn = ['appends', 'concurrency', 'sequential'].flatMap((n) => (process.argv.includes(`--${n}`) ? [`--${n}`, arg(n, '')] : []));
  const results: (Awaited<ReturnType<typeof measure>> & { buildSeconds: number; bytesPerRowByObject: Record<string, number> })[] = [];
  for (const size of sizes) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `ledger-bench-${size}-`));
    try {
      const built = JSON.parse(child(['--build', String(size), '--dir', dir, '--end', String(Date.now())])) as Awaited<ReturnType<typeof build>>;
      const measured = JSON.parse(child(['--measure', String(size), '--dir', dir, ...passOn])) as Awaited<ReturnType<typeof measure>>;
      results.push({ ...measured, buildSeconds: round(built.ms / 1000), bytesPerRowByObject: built.bytesPerRowByObject });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const at = (n: number) => results.find((r) => r.size === n);
  const small = at(Math.min(...sizes));
  const large = at(Math.max(...sizes));
  const summary = small && large && small !== large ? {
    sizes: [small.size, large.size],
    sequentialAppendP50Ratio: round(large.sequentialAppend.latencyMs.p50 / small.sequentialAppend.latencyMs.p50),
    concurrentAppendCostRatio: round(small.concurrentAppend.perSecond / large.concurrentAppend.perSecond),
    largestConcurrentAppendsPerSecond: large.concurrentAppend.perSecond,
    largestDashboardWarmMs: large.dashboardMs.warmMedian.total,
    largestLoadedRssPerFileSize: large.memoryMB.loadedRssPerFileSize,
    largestMaxHostStallMs: large.worker.maxHostStallMs,
    largestBytesPerRow: large.bytesPerRow,
  } : undefined;
  process.stdout.write(`${JSON.stringify({ node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map(round), results, summary }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
