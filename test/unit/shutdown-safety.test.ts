/**
 * Issue 9 item 10: shutting down never throws or leaves a rejected promise behind — releasing the
 * poll lease when its file cannot be read, and logging after VS Code closed the output channel.
 * Real files in a temp folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreditPoller } from '../../src/poller/creditPoller';
import { CreditStateFile } from '../../src/poller/creditState';
import { PollLease } from '../../src/poller/lease';
import { safeLogger, type Logger } from '../../src/util/logger';
import { keyInfo } from './helpers/fixtures';

test('disposing the poller when the lease cannot be released leaves no unhandled rejection', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orl-shutdown-'));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    // A lease path that is a folder: reading it fails with EISDIR, as a broken global storage would.
    mkdirSync(path.join(dir, 'poller.lease'));
    const poller = new CreditPoller({
      intervalMs: 60_000, tickMs: 60_000, focusRefreshAfterMs: 60_000, maxBackoffMs: 60_000,
      canPoll: async () => false,
      fetchReading: async () => ({ fetchedAt: Date.now(), key: keyInfo(), credits: null, creditsNote: null }),
      describeError: (e) => String(e),
      levelOf: () => 'ok',
      stateFile: new CreditStateFile(dir),
      lease: new PollLease(dir, 'w', 60_000),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      onState: () => undefined,
      onLevelDrop: () => undefined,
    });
    poller.start();
    poller.dispose();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('logging after the output channel was closed is dropped, never thrown', () => {
  let open = true;
  const written: string[] = [];
  // The shape of VS Code's LogOutputChannel after dispose: every write throws.
  const write = (m: string) => {
    if (!open) throw new Error('Channel has been closed');
    written.push(m);
  };
  const channel: Logger = { trace: write, debug: write, info: write, warn: write, error: write };
  const logger = safeLogger(channel);
  logger.info('before');
  open = false;
  for (const level of ['trace', 'debug', 'info', 'warn', 'error'] as const) assert.doesNotThrow(() => logger[level]('after close'));
  assert.deepEqual(written, ['before']);
});
