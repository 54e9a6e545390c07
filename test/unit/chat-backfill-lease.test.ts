/**
 * Issue 9 item 10 (backfill): with several windows open, only the window holding the credit-poll
 * lease resumes the pending /generation lookups, and a failed lookup is retried on a timer (with
 * backoff), not only at the next reload. Two "windows" = two ledgers, two backfillers and two
 * poll leases on one real folder; the simulator counts the /generation requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { LocalLedger as Ledger } from '../../src/ledger';
import { runAuditedStream, type AuditContext } from '../../src/chat/auditedCall';
import { GenerationBackfiller } from '../../src/chat/backfill';
import { PollLease } from '../../src/poller/lease';
import { silentLogger } from '../../src/util/logger';
import { open, tempDir, waitFor } from './helpers/ledgerFixtures';

const context: AuditContext = {
  userId: 'dev', tags: [], workspace: null, gitBranch: null, storePrompts: 'none', redactionPatterns: [],
  keyLabel: null, chatSession: 'lease-test',
};

describe('backfill behind the poll lease', () => {
  let sim: Simulator;
  let transport: ClosableTransport;
  let client: OpenRouterClient;

  before(async () => {
    sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
    transport = undiciTransport();
    client = simulatorClient(sim, transport, { timeoutMs: 3_000 });
  });

  after(async () => {
    await transport.close();
    await sim.close();
  });

  const generationRequests = () => sim.requests.filter((r) => r.path.endsWith('/generation')).length;

  /** Records `count` real completions in `ledger` without backfilling them (a window that closed right after). */
  async function unbackfilledCalls(ledger: Ledger, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const result = await runAuditedStream({ client, ledger }, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 16 }, context, { onDelta: () => undefined });
      assert.equal(result.status, 'success');
      ids.push(result.generationId!);
    }
    return ids;
  }

  function window(ledger: Ledger, lease: PollLease, retry = { baseMs: 60_000, maxMs: 60_000 }): GenerationBackfiller {
    return new GenerationBackfiller({
      client: () => client,
      ledger: async () => ledger,
      logger: silentLogger,
      waitMs: 2_000,
      abandonAfterMs: 60 * 60_000,
      mayResume: () => lease.isHeld(),
      retryBaseMs: retry.baseMs,
      retryMaxMs: retry.maxMs,
    });
  }

  it('two windows on one folder: only the lease holder calls /generation, once per pending row', async () => {
    const { dir, cleanup } = tempDir();
    const a = await open(dir);
    const b = await open(dir);
    const leaseA = new PollLease(dir, 'window-a', 60_000);
    const leaseB = new PollLease(dir, 'window-b', 60_000);
    const fillA = window(a, leaseA);
    const fillB = window(b, leaseB);
    try {
      const ids = await unbackfilledCalls(a, 3);
      await b.refresh();
      assert.equal((await b.pendingBackfills()).length, 3, 'both windows see three rows waiting');
      assert.equal(await leaseA.acquire(), true);
      assert.equal(await leaseB.acquire(), false, 'window A holds the poll lease');

      const before = generationRequests();
      await Promise.all([fillA.resume(), fillB.resume()]);
      await Promise.all([fillA.idle(), fillB.idle()]);
      assert.equal(generationRequests() - before, ids.length, 'one /generation request per row, from one window');
      await b.refresh();
      assert.equal((await b.pendingBackfills()).length, 0, 'the other window sees them completed');
      for (const row of b.queries.recent(10)) assert.equal(row.cost_source, 'generation');
    } finally {
      fillA.dispose();
      fillB.dispose();
      await a.close();
      await b.close();
      cleanup();
    }
  });

  it('a lookup that failed is retried on a timer, without a reload', async () => {
    const { dir, cleanup } = tempDir();
    const l = await open(dir);
    const lease = new PollLease(dir, 'only-window', 60_000);
    const fill = window(l, lease, { baseMs: 100, maxMs: 400 });
    try {
      const [id] = await unbackfilledCalls(l, 1);
      assert.equal(await lease.acquire(), true);
      sim.injectFault({ kind: 'status', status: 500, path: '/generation', times: 2 });
      fill.start();
      const done = await waitFor(async () => (await l.pendingBackfills()).length === 0, 8_000);
      assert.ok(done, 'completed by a later timer round');
      const [row] = l.queries.recent(1);
      assert.equal(row.generation_id, id);
      assert.equal(row.cost_source, 'generation');
      assert.equal(row.total_cost, sim.generations().find((g) => g.id === id)?.cost);
    } finally {
      fill.dispose();
      await l.close();
      cleanup();
    }
  });
});
