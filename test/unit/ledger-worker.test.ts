import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { LedgerTooLargeError, LedgerValidationError, LedgerVersionError, MAX_LEDGER_FILE_BYTES } from '../../src/ledger';
import { open, row, tempDir, waitFor, writeNewerSchemaLedger } from './helpers/ledgerFixtures';
import { openInThread } from './helpers/ledgerThread';

test('a ledger in a worker thread appends, answers queries, exports and verifies like the in-process one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    const uids = await Promise.all([1, 2, 3].map((i) => ledger.appendGeneration(row({ generationId: `w-${i}`, totalCost: 0.25, ts: `2025-02-0${i}T10:00:00Z` }))));
    assert.equal(new Set(uids).size, 3);
    assert.equal(await ledger.rowCount(), 3);
    assert.equal(await ledger.isSnapshotWriter, true);
    assert.match(ledger.writerId, /^\d+-/);
    assert.equal(await ledger.completeFromGeneration('w-2', { totalCost: 0.5 }), true);
    const totals = await ledger.queries.summary({ from: '2025-02-01T00:00:00Z', to: '2025-03-01T00:00:00Z' });
    assert.equal(totals.requests, 3);
    assert.equal(totals.cost, 1);
    assert.deepEqual((await ledger.pendingBackfills()).map((p) => p.generationId).sort(), ['w-1', 'w-3']);

    const progress: number[][] = [];
    const out = path.join(dir, 'out.csv');
    const exported = await ledger.exportRange('csv', {}, out, { onProgress: (done, total) => progress.push([done, total]) });
    assert.equal(exported.rows, 3);
    assert.equal(readFileSync(out, 'utf8').trim().split('\r\n').length, 4, 'header + 3 rows');
    assert.deepEqual(progress.at(-1), [3, 3], 'progress crossed back from the worker');

    const verifyProgress: number[][] = [];
    const report = await ledger.verify({ onProgress: (done, total) => verifyProgress.push([done, total]) });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.rowsChecked, 3);
    assert.ok(verifyProgress.length > 0);
    await ledger.close();

    const reopened = await open(dir);
    assert.equal(reopened.rowCount(), 3, 'close() flushed the snapshot and journal in the worker');
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('errors from the worker keep their class and message', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await assert.rejects(ledger.appendGeneration(row({ modelRequested: '' })), (err: Error) => err instanceof LedgerValidationError && /model/i.test(err.message));
    await assert.rejects(ledger.deleteBefore('not a date'), (err: Error) => err instanceof RangeError && /Not a valid date: not a date/.test(err.message));
    await ledger.close();
    await assert.rejects(ledger.rowCount(), /The ledger is closed/);
  } finally {
    cleanup();
  }
});

test('a ledger file from a newer version is refused with LedgerVersionError through the worker, untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bytes = await writeNewerSchemaLedger(dir, 999);
    const file = path.join(dir, 'ledger.sqlite');
    const exits: Error[] = [];
    await assert.rejects(openInThread(dir, { onWorkerExit: (e) => exits.push(e) }), (err: Error) => err instanceof LedgerVersionError && /newer version/.test(err.message));
    assert.deepEqual(exits, [], 'a refused open is not reported as a crash');
    assert.deepEqual(readFileSync(file), bytes);
  } finally {
    cleanup();
  }
});

test('a worker that is terminated makes pending and later calls reject with a sentence, reported once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger, worker, exits, log } = await openInThread(dir);
    await ledger.appendGeneration(row());
    const inFlight = Promise.all(Array.from({ length: 50 }, () => ledger.appendGeneration(row())));
    await worker.terminate();
    await assert.rejects(inFlight, /The ledger worker stopped unexpectedly \(exit code 1\)/);
    await assert.rejects(ledger.queries.summary('24h'), /The ledger worker stopped unexpectedly/);
    await assert.rejects(ledger.isSnapshotWriter, /The ledger worker stopped unexpectedly/);
    assert.equal(exits.length, 1);
    assert.equal(log.lines.filter((l) => l.includes('stopped unexpectedly')).length, 1);
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('a worker that exits by itself (process.exit inside) is reported and never leaves a call hanging', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger, exits } = await openInThread(dir, {
      after: "require('node:worker_threads').parentPort.on('message', (m) => { if (m.method === 'rowCount') process.exit(7); });",
    });
    await assert.rejects(ledger.rowCount(), /The ledger worker stopped unexpectedly \(exit code 7\)/);
    assert.equal(exits.length, 1);
    await assert.rejects(ledger.appendGeneration(row()), /stopped unexpectedly/);
  } finally {
    cleanup();
  }
});

test('two windows, each with its own worker, see each other’s rows', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await openInThread(dir);
    const b = await openInThread(dir);
    await a.ledger.appendGeneration(row({ generationId: 'from-a' }));
    await b.ledger.appendGeneration(row({ generationId: 'from-b' }));
    assert.ok(await waitFor(async () => (await a.ledger.rowCount()) === 2 && (await b.ledger.rowCount()) === 2), 'both see both rows');
    assert.equal([await a.ledger.isSnapshotWriter, await b.ledger.isSnapshotWriter].filter(Boolean).length, 1, 'one snapshot writer');
    const changes: number[] = [];
    const c = await openInThread(dir, { onExternalChange: () => changes.push(1) });
    await a.ledger.appendGeneration(row({ generationId: 'later' }));
    assert.ok(await waitFor(() => changes.length > 0), 'onExternalChange crossed from the worker');
    await Promise.all([a.ledger.close(), b.ledger.close(), c.ledger.close()]);
  } finally {
    cleanup();
  }
});

test('verification is cancellable', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await ledger.appendGeneration(row());
    const abort = new AbortController();
    const verifying = ledger.verify({ signal: abort.signal });
    abort.abort();
    await assert.rejects(verifying, (err: Error) => err.name === 'AbortError' && /cancelled/.test(err.message));
    assert.equal((await ledger.verify()).ok, true, 'a later verification still runs');
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('an export cancelled on the host stops in the worker', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await ledger.appendGeneration(row());
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(ledger.exportRange('csv', {}, path.join(dir, 'cancelled.csv'), { signal: abort.signal }), /Export cancelled/);
    const done = await ledger.exportRange('csv', {}, path.join(dir, 'done.csv'), { signal: new AbortController().signal });
    assert.equal(done.rows, 1);
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('a ledger file too large for memory is refused with a sentence and left as it was', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'ledger.sqlite');
    // A sparse file: the size is real, the disk blocks are not.
    const fd = openSync(file, 'w');
    ftruncateSync(fd, MAX_LEDGER_FILE_BYTES + 4096);
    closeSync(fd);
    await assert.rejects(openInThread(dir), (err: Error) =>
      err instanceof LedgerTooLargeError && /more than the 1\.50 GiB a ledger can hold in memory/.test(err.message) && /nothing on disk was changed/.test(err.message));
    assert.equal(statSync(file).size, MAX_LEDGER_FILE_BYTES + 4096);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('corrupt')), []);
  } finally {
    cleanup();
  }
});
