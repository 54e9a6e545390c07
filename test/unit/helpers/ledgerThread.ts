/**
 * Starts the real ledger worker (src/ledger/worker/entry.ts) in a real worker thread, running
 * the TypeScript sources through tsx — what dist/ledgerWorker.js is in the extension.
 * `after` is extra code the worker runs once the entry is loaded (e.g. a delayed process.exit).
 */
import { after as afterAll } from 'node:test';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { openLedgerWorker, type Ledger, type OpenLedgerWorkerOptions } from '../../../src/ledger';
import { collectingLogger, WASM_PATH, type CollectingLogger } from './ledgerFixtures';
import type { LedgerWarning } from '../../../src/ledger/types';

const ENTRY = path.resolve(__dirname, '../../../src/ledger/worker/entry.ts');

/** The verification child process as the extension starts it (dist/ledgerWorker.js forked), from the sources. */
export const VERIFY_PROCESS = { modulePath: ENTRY, execArgv: ['--import', 'tsx'] };

/** Every worker started, so a test that fails before closing its ledger does not keep the file's process alive. */
const started = new Set<Worker>();
afterAll(() => Promise.all([...started].map((w) => w.terminate())));

export function startLedgerThread(after = ''): Worker {
  const tsx = require.resolve('tsx/cjs');
  const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(ENTRY)}); ${after}`, { eval: true });
  started.add(worker);
  worker.once('exit', () => started.delete(worker));
  return worker;
}

export interface ThreadLedger {
  ledger: Ledger;
  worker: Worker;
  log: CollectingLogger;
  warnings: LedgerWarning[];
  exits: Error[];
}

/** Opens a ledger in a worker thread with fast timings (as ledgerFixtures.open does in-process). */
export async function openInThread(dir: string, extra: Partial<OpenLedgerWorkerOptions> & { after?: string } = {}): Promise<ThreadLedger> {
  const log = collectingLogger();
  const warnings: LedgerWarning[] = [];
  const exits: Error[] = [];
  let worker: Worker | undefined;
  const { after, ...options } = extra;
  const ledger = await openLedgerWorker({
    dir, wasmPath: WASM_PATH, logger: log, pollIntervalMs: 50, snapshotDelayMs: 30, maxSnapshotDelayMs: 200,
    onWarning: (w) => warnings.push(w),
    onWorkerExit: (err) => exits.push(err),
    startWorker: () => (worker = startLedgerThread(after)),
    verifyProcess: VERIFY_PROCESS,
    ...options,
  });
  return { ledger, worker: worker as Worker, log, warnings, exits };
}
