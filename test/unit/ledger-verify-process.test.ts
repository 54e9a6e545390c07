/**
 * "Verify Ledger Integrity" runs in a child process of its own (src/ledger/worker/verifyProcess.ts),
 * so its gigabyte-sized second copy of the ledger never lives in the extension host's process.
 * These tests use the real worker thread and the real forked child (the sources through tsx).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { row, sleep, tempDir, waitFor } from './helpers/ledgerFixtures';
import { openInThread, VERIFY_PROCESS } from './helpers/ledgerThread';

/** Pids of this test process's live verification children (the worker thread is not a process; the forked verifier is). */
function verifierPids(): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('entry.ts') ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

test('verify runs in a separate process that is gone afterwards, and a cancel kills it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await ledger.appendGeneration(row({ generationId: 'vp-1' }));
    const running = ledger.verify();
    assert.ok(await waitFor(() => verifierPids().length === 1, 10_000), 'a verification child process was started');
    assert.equal((await running).ok, true);
    assert.ok(await waitFor(() => verifierPids().length === 0), 'the child exited after answering');

    const abort = new AbortController();
    const cancelled = ledger.verify({ signal: abort.signal });
    assert.ok(await waitFor(() => verifierPids().length === 1, 10_000));
    abort.abort();
    await assert.rejects(cancelled, (err: Error) => err.name === 'AbortError' && /cancelled/.test(err.message));
    assert.ok(await waitFor(() => verifierPids().length === 0), 'cancelling killed the child');
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('a verification process that cannot start fails verify with a sentence; the ledger keeps working', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = path.join(dir, 'no-such-verifier.js');
    const { ledger } = await openInThread(dir, { verifyProcess: { modulePath: missing, execArgv: VERIFY_PROCESS.execArgv } });
    await ledger.appendGeneration(row({ generationId: 'vp-2' }));
    await assert.rejects(ledger.verify(), (err: Error) => /^The verification process stopped before it finished \(exit code 1\): Error.*Cannot find module/.test(err.message));
    await ledger.appendGeneration(row({ generationId: 'vp-3' }));
    assert.equal(await ledger.rowCount(), 2);
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('a verification process killed from outside is reported, not waited for', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await ledger.appendGeneration(row({ generationId: 'vp-4' }));
    const running = ledger.verify();
    assert.ok(await waitFor(() => verifierPids().length === 1, 10_000));
    process.kill(verifierPids()[0], 'SIGKILL');
    await assert.rejects(running, (err: Error) => /^The verification process stopped before it finished \(SIGKILL\)/.test(err.message));
    await sleep(10);
    assert.equal((await ledger.verify()).ok, true, 'the next verification runs');
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('closing the ledger during a verification (a window reload) ends the verification process', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    await ledger.appendGeneration(row({ generationId: 'vp-5' }));
    const outcome = ledger.verify().then(() => null, (err: Error) => err);
    assert.ok(await waitFor(() => verifierPids().length === 1, 10_000));
    await ledger.close();
    assert.equal((await outcome)?.name, 'AbortError');
    assert.ok(await waitFor(() => verifierPids().length === 0), 'close() stopped the child');
  } finally {
    cleanup();
  }
});
