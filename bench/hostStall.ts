/**
 * The extension host's view of the ledger worker: how long the host thread is blocked while the
 * ledger (in its worker thread) appends, snapshots, exports and verifies.
 *
 * The stall is the largest gap between ticks of a 2 ms `setInterval` on the host thread, minus
 * the interval itself (`perf_hooks.monitorEventLoopDelay` alone reported 0 ms for a 1.5 s
 * synchronous verify, because the phase ended before its delayed sample was taken). Beside it,
 * the same timer in an idle process measures the machine's own scheduling noise.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { openLedgerWorker, type Ledger } from '../src/ledger';
import type { GenerationInput } from '../src/ledger/types';

const TICK_MS = 2;
const round = (x: number) => Math.round(x * 100) / 100;

/** Starts the real worker entry from the TypeScript sources (the bench runs under tsx). */
function startWorker(): Worker {
  const tsx = require.resolve('tsx/cjs');
  const entry = path.resolve(__dirname, '../src/ledger/worker/entry.ts');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true });
}

/** Verification runs in a child process, as in the extension (src/ledger/worker/verifyProcess.ts). */
const verifyProcess = { modulePath: path.resolve(__dirname, '../src/ledger/worker/entry.ts'), execArgv: ['--import', 'tsx'] };

/**
 * The same timer in a separate, idle process: the gaps it sees over the same windows are the
 * machine's scheduling noise (other processes on a loaded machine), not the ledger's doing.
 */
class IdleControl {
  private readonly child = spawn(process.execPath, ['-e', `
    let last = performance.now(), max = 0;
    setInterval(() => { const now = performance.now(); max = Math.max(max, now - last); last = now; }, ${TICK_MS});
    require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
      const now = performance.now();
      process.stdout.write(Math.max(max, now - last) + '\\n');
      max = 0; last = now;
    });`], { stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();

  async take(): Promise<number> {
    this.child.stdin?.write('take\n');
    const { value } = await this.lines.next();
    return round(Math.max(0, Number(value) - TICK_MS));
  }

  stop(): void {
    this.child.kill();
  }
}

class LoopGaps {
  private last = performance.now();
  private maxGap = 0;
  private readonly timer = setInterval(() => {
    const now = performance.now();
    this.maxGap = Math.max(this.maxGap, now - this.last);
    this.last = now;
  }, TICK_MS);

  /** Longest stall since the last call (gap beyond the interval), then starts over. */
  take(): number {
    const now = performance.now();
    const stall = Math.max(this.maxGap, now - this.last) - TICK_MS;
    this.maxGap = 0;
    this.last = now;
    return round(Math.max(0, stall));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface StallPhase {
  ms: number;
  maxHostStallMs: number;
  /** The largest gap an idle process saw meanwhile (machine noise). */
  idleProcessMaxGapMs: number;
}

async function phase(gaps: LoopGaps, control: IdleControl, fn: () => Promise<unknown>): Promise<StallPhase> {
  gaps.take();
  await control.take();
  const t = performance.now();
  await fn();
  const ms = round(performance.now() - t);
  // One more tick, so a stall at the very end of the phase is seen.
  await new Promise((resolve) => setTimeout(resolve, TICK_MS * 2));
  const maxHostStallMs = gaps.take();
  return { ms, maxHostStallMs, idleProcessMaxGapMs: await control.take() };
}

export async function hostStalls(dir: string, wasmPath: string, request: (i: number, tag: string) => GenerationInput) {
  const gaps = new LoopGaps();
  const control = new IdleControl();
  try {
    let ledger!: Ledger;
    const open = await phase(gaps, control, async () => {
      ledger = await openLedgerWorker({ dir, wasmPath, startWorker, verifyProcess });
    });
    const dashboard = await phase(gaps, control, () => Promise.all([ledger.queries.summary('24h'), ledger.queries.dashboard('30d', 'utc')]));
    const appends1000 = await phase(gaps, control, () => Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.appendGeneration(request(i, 'stall')))));
    const snapshot = await phase(gaps, control, () => ledger.flush());
    const exportCsv = await phase(gaps, control, () => ledger.exportRange('csv', {}, path.join(dir, 'bench-export.csv')));
    let verified = { ok: false, rowsChecked: 0 };
    const verify = await phase(gaps, control, async () => {
      verified = await ledger.verify();
    });
    const close = await phase(gaps, control, () => ledger.close());
    const phases = { open, dashboard, appends1000, snapshot, exportCsv, verify, close };
    return {
      tickMs: TICK_MS,
      maxHostStallMs: Math.max(...Object.values(phases).map((p) => p.maxHostStallMs)),
      idleProcessMaxGapMs: Math.max(...Object.values(phases).map((p) => p.idleProcessMaxGapMs)),
      ...phases,
      verifyOk: verified.ok,
      verifiedRows: verified.rowsChecked,
    };
  } finally {
    gaps.stop();
    control.stop();
  }
}

/**
 * Near the size limit: does a large ledger open in the worker, save a snapshot after a deletion
 * (VACUUM builds a full copy inside the WebAssembly heap) and verify? Each step's time or error.
 */
export async function capacityProbe(dir: string, wasmPath: string) {
  const steps: Record<string, { ms: number; ok: boolean; error?: string }> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    try {
      await fn();
      steps[name] = { ms: round(performance.now() - t), ok: true };
    } catch (err) {
      steps[name] = { ms: round(performance.now() - t), ok: false, error: (err as Error).message };
    }
    return steps[name].ok;
  };
  let ledger!: Ledger;
  const warnings: string[] = [];
  if (!(await step('open', async () => (ledger = await openLedgerWorker({ dir, wasmPath, startWorker, verifyProcess, onWarning: (w) => warnings.push(w.message) }))))) return { steps };
  const rows = await ledger.rowCount();
  await step('deleteOldestDayAndSnapshot', async () => {
    const [oldest] = (await ledger.queries.dailySeries('all')).filter((d) => d.requests > 0);
    await ledger.deleteBefore(Date.parse(oldest.day) + 86_400_000);
    await ledger.flush();
  });
  await step('verify', () => ledger.verify());
  await step('close', () => ledger.close());
  return { rows, steps, warnings, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}
