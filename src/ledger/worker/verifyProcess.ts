/**
 * "Verify Ledger Integrity" in a child process of its own.
 *
 * Verification loads a second full copy of the ledger (the snapshot file's bytes, then a sql.js
 * database built from them): at a million rows more than a gigabyte, allocated and freed at once.
 * In the worker thread that memory belongs to the extension host's process, and mapping or
 * unmapping that much holds the kernel's per-process memory-map lock, which blocks every thread
 * of the process that touches a new page meanwhile — the host's thread stalled 100–130 ms at the
 * end of a 1M-row verify (measured with `bench:ledger`; an idle process beside it saw 9 ms). A
 * child process has its own address space, so the host never waits for it, and the worker's
 * WebAssembly heap (which can never shrink) no longer doubles after a verification.
 *
 * The child is the worker's own bundle (`dist/ledgerWorker.js`) started by `fork`: entry.ts
 * serves this protocol when it has an IPC channel instead of a parent port. It verifies the files
 * on disk and reports the rows it found altered; the worker then names their differing columns
 * from its live copy (diskVerify.explainAlteredRows), which the child does not have.
 */
import { fork } from 'node:child_process';
import type { IntegrityReport } from '../chain';
import { verifyOnDisk, type AlteredRow } from '../diskVerify';
import { loadSqlJs } from '../sqljs';

/** What to start: a module path and the Node options it needs (`--import tsx` for the sources). */
export interface VerifyProcessScript {
  modulePath: string;
  execArgv?: string[];
}

interface VerifyRequest {
  type: 'verify';
  dir: string;
  wasmPath: string;
}

type VerifyReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; report: IntegrityReport; altered: AlteredRow[] }
  | { type: 'failed'; message: string };

export interface VerifyInChildOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const STDERR_TAIL = 2_000;

function cancelled(): Error {
  const err = new Error('Verification cancelled.');
  err.name = 'AbortError';
  return err;
}

/** Runs verifyOnDisk for `dir` in a new child process; cancelling `signal` kills it. */
export function verifyInChildProcess(
  script: VerifyProcessScript,
  target: { dir: string; wasmPath: string },
  options: VerifyInChildOptions = {},
): Promise<{ report: IntegrityReport; altered: AlteredRow[] }> {
  const { signal, onProgress } = options;
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const child = fork(script.modulePath, [], {
      execArgv: script.execArgv ?? [],
      // Under Electron (desktop VS Code) process.execPath is the app itself: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => settle(() => {
      child.kill('SIGKILL');
      reject(cancelled());
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (reply: VerifyReply) => {
      switch (reply.type) {
        case 'progress':
          onProgress?.(reply.done, reply.total);
          return;
        case 'result':
          settle(() => resolve({ report: reply.report, altered: reply.altered }));
          return;
        case 'failed':
          settle(() => reject(new Error(reply.message)));
          return;
      }
    });
    child.on('error', (err) => settle(() => reject(new Error(`The verification process could not run: ${err.message}`))));
    child.on('exit', (code, sig) => settle(() => {
      // Node prints an uncaught error as a source excerpt, then "SomeError: message", then its version.
      const reason = /^\w*Error\b.*$/m.exec(stderr)?.[0] ?? stderr.trim().split('\n').pop();
      reject(new Error(`The verification process stopped before it finished (${sig ?? `exit code ${code}`})${reason ? `: ${reason}` : ''}.`));
    }));
    child.send({ type: 'verify', dir: target.dir, wasmPath: target.wasmPath } satisfies VerifyRequest);
  });
}

/** The child's side: answers one verification request, then exits. */
export function serveVerifyProcess(): void {
  // The worker (or its whole window) went away: nobody waits for the answer, so free the memory now.
  process.on('disconnect', () => process.exit(0));
  const send = (reply: VerifyReply) => new Promise<void>((resolve) => process.send?.(reply, undefined, {}, () => resolve()));
  process.once('message', (request: VerifyRequest) => {
    void (async () => {
      try {
        if (request?.type !== 'verify' || typeof request.dir !== 'string' || typeof request.wasmPath !== 'string') throw new TypeError('unexpected verification request');
        const sql = await loadSqlJs(request.wasmPath);
        const altered: AlteredRow[] = [];
        const report = await verifyOnDisk(sql, request.dir, {
          onProgress: (done, total) => void send({ type: 'progress', done, total }),
          onAltered: (row) => altered.push(row),
        });
        await send({ type: 'result', report, altered });
      } catch (err) {
        await send({ type: 'failed', message: (err as Error).message });
      }
      process.exit(0);
    })();
  });
}
