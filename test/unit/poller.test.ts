import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreditPoller } from '../../src/poller/creditPoller';
import { CreditStateFile, type CreditReading, type SharedCreditState } from '../../src/poller/creditState';
import { PollLease } from '../../src/poller/lease';
import { levelFor, computeSpendable } from '../../src/poller/spendable';
import { silentLogger } from '../../src/util/logger';
import { keyInfo } from './helpers/fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Window {
  poller: CreditPoller;
  seen: SharedCreditState[];
  drops: string[];
}

function openWindow(dir: string, name: string, fetch: () => Promise<CreditReading>, intervalMs = 200): Window {
  const seen: SharedCreditState[] = [];
  const drops: string[] = [];
  const poller = new CreditPoller({
    intervalMs,
    tickMs: 20,
    focusRefreshAfterMs: 100,
    maxBackoffMs: 10_000,
    canPoll: async () => true,
    fetchReading: fetch,
    describeError: (e) => (e instanceof Error ? e.message : String(e)),
    levelOf: (r) => levelFor(computeSpendable(r.key, r.credits).amount, { warnBelow: 5, criticalBelow: 1 }),
    stateFile: new CreditStateFile(dir),
    lease: new PollLease(dir, name, 1000),
    logger: silentLogger,
    onState: (s) => seen.push(s),
    onLevelDrop: (level) => drops.push(level),
  });
  return { poller, seen, drops };
}

function counter(balance: () => number) {
  const calls = { n: 0 };
  const fetch = async (): Promise<CreditReading> => {
    calls.n++;
    return { fetchedAt: Date.now(), key: keyInfo(), credits: { totalCredits: balance(), totalUsage: 0 }, creditsNote: null };
  };
  return { calls, fetch };
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'orl-poller-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('three windows together poll no more often than one window\'s interval allows', () =>
  withDir(async (dir) => {
    const shared = counter(() => 20);
    const windows = ['a', 'b', 'c'].map((n) => openWindow(dir, n, shared.fetch));
    windows.forEach((w, i) => {
      w.poller.setFocused(i === 0);
      w.poller.start();
    });
    await sleep(1100);
    await Promise.all(windows.map((w) => w.poller.stop()));

    // One window with a 200 ms interval polls at most 1100 / 200 + 1 = 6 times in 1.1 s;
    // three independent windows would make up to 18 requests.
    assert.ok(shared.calls.n >= 2, `polling happened (${shared.calls.n})`);
    assert.ok(shared.calls.n <= 7, `3 windows made ${shared.calls.n} requests; one window makes at most 6`);
    for (const w of windows) {
      assert.ok(w.seen.some((s) => s.reading?.credits?.totalCredits === 20), 'every window shows the shared reading');
    }
  }));

test('a failing refresh keeps the last good reading, marks the error and backs off', () =>
  withDir(async (dir) => {
    let fail = false;
    let calls = 0;
    const w = openWindow(dir, 'w', async () => {
      calls++;
      if (fail) throw new Error('OpenRouter is unreachable');
      return { fetchedAt: Date.now(), key: keyInfo(), credits: { totalCredits: 9, totalUsage: 0 }, creditsNote: null };
    }, 100);
    w.poller.start();
    await sleep(150);
    fail = true;
    const before = calls;
    await sleep(1000);
    await w.poller.stop();
    const last = w.seen.at(-1)!;
    assert.equal(last.reading?.credits?.totalCredits, 9, 'last known value kept');
    assert.equal(last.lastError?.message, 'OpenRouter is unreachable');
    assert.ok(last.consecutiveFailures >= 2);
    // Without backoff 1000 ms / 100 ms ≈ 10 attempts; with doubling delays (100, 200, 400…) at most 4.
    assert.ok(calls - before <= 4, `backed off: ${calls - before} attempts in 1 s`);
  }));

test('a window left unfocused for longer than one interval stops polling', () =>
  withDir(async (dir) => {
    const c = counter(() => 20);
    const w = openWindow(dir, 'w', c.fetch, 100);
    w.poller.start();
    w.poller.setFocused(false);
    await sleep(250);
    const atIdle = c.calls.n;
    await sleep(600);
    await w.poller.stop();
    assert.ok(c.calls.n - atIdle <= 1, `kept polling while idle: ${c.calls.n - atIdle}`);
  }));

test('a manual refresh asks OpenRouter at once and crossing below a threshold notifies once', () =>
  withDir(async (dir) => {
    let balance = 20;
    const c = counter(() => balance);
    const w = openWindow(dir, 'w', c.fetch, 60_000);
    w.poller.start();
    await sleep(100);
    balance = 0.5;
    const state = await w.poller.refreshNow();
    assert.equal(state.reading?.credits?.totalCredits, 0.5);
    await w.poller.refreshNow();
    await w.poller.stop();
    assert.deepEqual(w.drops, ['critical'], 'one notification for the crossing, none for the repeat');
  }));

test('a crashed window\'s lease expires and another window takes over polling', () =>
  withDir(async (dir) => {
    let now = 1_000_000;
    const clock = () => now;
    const crashed = new PollLease(dir, 'crashed', 60_000, clock);
    const other = new PollLease(dir, 'other', 60_000, clock);
    assert.equal(await crashed.acquire(), true);
    assert.equal(await other.acquire(), false, 'a live lease is respected');
    now += 60_001;
    assert.equal(await other.acquire(), true, 'an expired lease is taken over');
    assert.equal(await crashed.isHeld(), false);
  }));

test('windows starting together: exactly one of them gets the lease', () =>
  withDir(async (dir) => {
    const leases = Array.from({ length: 6 }, (_, i) => new PollLease(dir, `w${i}`, 60_000));
    const won = await Promise.all(leases.map((l) => l.acquire()));
    assert.equal(won.filter(Boolean).length, 1, `winners: ${won.join(', ')}`);
  }));

test('a lease file left unreadable by a crash does not block polling for good', () =>
  withDir(async (dir) => {
    writeFileSync(path.join(dir, 'poller.lease'), '');
    const lease = new PollLease(dir, 'w', 1_000, () => Date.now() + 5_000);
    assert.equal(await lease.acquire(), true, 'an unreadable lease older than the TTL is replaced');
    const fresh = new PollLease(dir, 'x', 60_000);
    writeFileSync(path.join(dir, 'poller.lease'), '{"owner":');
    assert.equal(await fresh.acquire(), false, 'a lease being written right now is left alone');
  }));

test('the holder renews its lease only when half of it has run out', () =>
  withDir(async (dir) => {
    let now = 1_000_000;
    const lease = new PollLease(dir, 'w', 60_000, () => now);
    const file = path.join(dir, 'poller.lease');
    assert.equal(await lease.acquire(), true);
    const first = readFileSync(file, 'utf8');
    now += 20_000;
    assert.equal(await lease.acquire(), true);
    assert.equal(readFileSync(file, 'utf8'), first, 'no rewrite while more than half the lease is left');
    now += 15_000;
    assert.equal(await lease.acquire(), true);
    assert.notEqual(readFileSync(file, 'utf8'), first, 'renewed once less than half is left');
  }));
