/**
 * Why "Verify Ledger Integrity" runs in a child process rather than in the ledger's worker thread:
 * a thread that maps and frees a large WebAssembly memory stalls the other threads of its process.
 *
 * The host thread here does what an extension host does between events — allocates a little on a
 * 2 ms timer — while a second thread (a worker, or a child process for comparison) grows a
 * WebAssembly.Memory to `--mb` megabytes, touches every page, and exits (freeing it). Printed:
 * the host's longest gap between ticks beyond the 2 ms interval, per run, as JSON.
 *
 *   node --import tsx bench/memoryMapStall.ts [--mb 1500] [--runs 3]
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const TICK_MS = 2;

const grower = (mb: number) => `
const pages = ${mb} * 16;
const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
for (let have = 256; have < pages; have += 1024) memory.grow(Math.min(1024, pages - have));
const bytes = new Uint8Array(memory.buffer);
for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
setTimeout(() => process.exit(0), 300);
`;

async function run(mb: number, where: 'worker' | 'child'): Promise<number> {
  let last = performance.now();
  let maxGap = 0;
  let garbage: object[] = [];
  const timer = setInterval(() => {
    for (let i = 0; i < 300; i++) garbage.push({ i, s: `x${i}` });
    if (garbage.length > 100_000) garbage = [];
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, TICK_MS);
  await new Promise<void>((resolve) => {
    const done = () => setTimeout(resolve, 1_500);
    if (where === 'worker') new Worker(grower(mb), { eval: true }).on('exit', done);
    else spawn(process.execPath, ['-e', grower(mb)], { stdio: 'inherit' }).on('exit', done);
  });
  clearInterval(timer);
  return Math.round(Math.max(0, maxGap - TICK_MS));
}

async function main(): Promise<void> {
  const mb = Number(arg('mb', '1500'));
  const runs = Number(arg('runs', '3'));
  const result: Record<string, number[]> = { [`worker ${mb} MB`]: [], [`child process ${mb} MB`]: [], 'worker 20 MB (baseline)': [] };
  for (let i = 0; i < runs; i++) {
    result[`worker ${mb} MB`].push(await run(mb, 'worker'));
    result[`child process ${mb} MB`].push(await run(mb, 'child'));
    result['worker 20 MB (baseline)'].push(await run(20, 'worker'));
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, tickMs: TICK_MS, maxHostStallMs: result }, null, 2)}\n`);
}

void main();
