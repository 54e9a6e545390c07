/**
 * Shutting the ledger worker down cannot hang VS Code's deactivate(), and a worker that keeps
 * crashing is not reopened in a loop. A real worker thread (the TypeScript entry through tsx).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerCrashGuard } from '../../src/ledger/worker/crashGuard';
import { row, tempDir } from './helpers/ledgerFixtures';
import { openInThread } from './helpers/ledgerThread';

/** Worker code run after the entry: when `close` arrives it stays busy for 10 s (a hung or very busy worker). */
const HANG_ON_CLOSE = `require('node:worker_threads').parentPort.on('message', (m) => {
  if (m && m.type === 'close') { const end = Date.now() + 10000; while (Date.now() < end); }
});`;

test('close() of a worker that never answers terminates it after the timeout instead of hanging', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger, worker, log } = await openInThread(dir, { after: HANG_ON_CLOSE, closeTimeoutMs: 300 });
    await ledger.appendGeneration(row());
    let exited = false;
    worker.once('exit', () => (exited = true));
    const started = Date.now();
    await ledger.close();
    assert.ok(Date.now() - started < 3_000, 'close returned');
    assert.ok(exited, 'the worker was terminated');
    assert.ok(log.lines.some((l) => /did not close in time/.test(l)), log.lines.join('\n'));
  } finally {
    cleanup();
  }
});

test('two crashes within five minutes stop reopening until reset; crashes further apart do not (injected clock)', () => {
  const guard = new WorkerCrashGuard();
  const t0 = Date.UTC(2026, 0, 1);
  assert.equal(guard.crashed(t0), true, 'the first crash is reopened');
  assert.equal(guard.crashed(t0 + 4 * 60_000), false, 'the second within 5 minutes is not');
  guard.reset();
  assert.equal(guard.crashed(t0 + 10 * 60_000), true);
  assert.equal(guard.crashed(t0 + 16 * 60_000), true, 'six minutes later: reopened again');
});
