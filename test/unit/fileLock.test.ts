/**
 * Issue 9 item 10: one cross-window lock (src/util/fileLock.ts) behind both the poller lease and
 * the ledger's snapshot lock. Real files in a temp folder, a real child process for a dead pid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PollLease } from '../../src/poller/lease';
import { SnapshotLock } from '../../src/ledger/lock';
import { silentLogger } from '../../src/util/logger';
import { tempDir } from './helpers/ledgerFixtures';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('the poll lease of a killed window is taken over at once, not after its TTL', async () => {
  const { dir, cleanup } = tempDir('lock-');
  try {
    writeFileSync(path.join(dir, 'poller.lease'), JSON.stringify({ owner: 'killed-window', pid: deadPid(), host: os.hostname(), renewedAt: Date.now() }));
    const lease = new PollLease(dir, 'this-window', 10 * 60_000);
    assert.equal(await lease.acquire(), true);
    assert.equal(await lease.isHeld(), true);
  } finally {
    cleanup();
  }
});

test('windows replacing an expired lease together: exactly one wins, every time', async () => {
  const { dir, cleanup } = tempDir('lock-');
  try {
    for (let round = 0; round < 20; round++) {
      // Expired: renewed two minutes ago with a one-minute TTL, by a live process elsewhere.
      writeFileSync(path.join(dir, 'poller.lease'), JSON.stringify({ owner: 'old', pid: 1, host: 'another-host', renewedAt: Date.now() - 120_000 }));
      const leases = Array.from({ length: 6 }, (_, i) => new PollLease(dir, `r${round}-w${i}`, 60_000));
      const won = await Promise.all(leases.map((l) => l.acquire()));
      assert.equal(won.filter(Boolean).length, 1, `round ${round}: winners ${won.join(', ')}`);
    }
  } finally {
    cleanup();
  }
});

test('the ledger lock and the poll lease are the same lock: takeover, step-down and release behave alike', async () => {
  const { dir, cleanup } = tempDir('lock-');
  try {
    const file = path.join(dir, 'ledger.lock');
    const a = new SnapshotLock(file, 'writer-a', 60_000, silentLogger);
    const b = new SnapshotLock(file, 'writer-b', 60_000, silentLogger);
    assert.equal(await a.acquireOrRenew(), true);
    assert.equal(await b.acquireOrRenew(), false, 'a live writer is respected');
    await a.release();
    assert.equal(await b.acquireOrRenew(), true, 'a released lock is free at once');
    assert.equal(await a.acquireOrRenew(), false);
    assert.equal(a.held, false);
  } finally {
    cleanup();
  }
});
