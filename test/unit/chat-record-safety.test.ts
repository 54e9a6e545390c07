/**
 * A billed call is never sent unrecorded, never loses its estimate, never counts twice, and is
 * still recorded when the ledger worker dies while the answer streams. Real simulator over HTTP,
 * real ledgers in temp folders (in-process, or in a real worker thread that is terminated).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { Ledger } from '../../src/ledger';
import type { GenerationInput } from '../../src/ledger/types';
import { runAuditedStream, type AuditContext, type AuditSink } from '../../src/chat/auditedCall';
import { reopeningChatLedger } from '../../src/chat/ledgerSink';
import type { ChatRequest } from '../../src/openrouter/types';
import { open, row, tempDir } from './helpers/ledgerFixtures';
import { openInThread } from './helpers/ledgerThread';

const MODEL = 'openai/gpt-4o-mini';
const context: AuditContext = {
  userId: 'dev-42', tags: [], workspace: 'demo', gitBranch: null, storePrompts: 'none', redactionPatterns: [],
  keyLabel: null, chatSession: 'session-1',
};
const ask = (content: string): ChatRequest => ({ model: MODEL, messages: [{ role: 'user', content }], maxTokens: 64 });

describe('recording a billed call safely', () => {
  let sim: Simulator;
  let transport: ClosableTransport;
  let client: OpenRouterClient;

  before(async () => {
    sim = await startSimulator({ generationDelayMs: 50, streamChunkDelayMs: 20 });
    transport = undiciTransport();
    client = simulatorClient(sim, transport, { timeoutMs: 5_000 });
  });
  beforeEach(() => sim.clearFaults());
  after(async () => {
    await transport.close();
    await sim.close();
  });

  const chatRequests = () => sim.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

  it('a call cancelled before its first token keeps its pre-flight estimate (cost_source estimate), never NULL', async () => {
    const t = tempDir('orl-estimate-');
    const ledger = await open(t.dir);
    try {
      sim.injectFault({ kind: 'delay', ms: 1_000, path: '/chat/completions' });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const result = await runAuditedStream({ client, ledger, estimateAtSend: 0.0123 }, ask('slow'), context, { onDelta: () => undefined }, abort.signal);
      assert.equal(result.status, 'cancelled');
      const stored = ledger.queries.recent(5).find((r) => r.uid === result.uid);
      assert.equal(stored?.status, 'cancelled');
      assert.equal(stored?.total_cost, 0.0123, 'the estimate the row was written with is kept');
      assert.equal(stored?.cost_source, 'estimate');
    } finally {
      await ledger.close();
      t.cleanup();
    }
  });

  it('appending the same uid twice (a retry after a lost reply) leaves one row', async () => {
    const t = tempDir('orl-uid-');
    const ledger = await open(t.dir);
    try {
      const input: GenerationInput = { ...row({ generationId: null, status: 'pending', totalCost: 0.2, costSource: 'estimate' }), uid: 'retry-uid-0001' };
      assert.equal(await ledger.appendGeneration(input), 'retry-uid-0001');
      assert.equal(await ledger.appendGeneration(input), 'retry-uid-0001');
      assert.equal(ledger.rowCount(), 1);
      assert.equal(ledger.queries.summary({}).cost, 0.2, 'counted once');
      await assert.rejects(ledger.appendGeneration({ ...input, uid: 'bad uid\u001b[2J' }), /uid must be/);
    } finally {
      await ledger.close();
      t.cleanup();
    }
  });

  it('when the pending row cannot be written the request is not sent; with consent it is sent and recorded afterwards', async () => {
    const t = tempDir('orl-unrecorded-');
    const closed = await open(t.dir);
    await closed.close();
    try {
      const before = chatRequests();
      const refused = await runAuditedStream({ client, ledger: closed, estimateAtSend: 0.01 }, ask('never sent'), context, { onDelta: () => undefined });
      assert.equal(refused.sent, false);
      assert.match(String(refused.recordError), /closed/);
      assert.equal(chatRequests(), before, 'OpenRouter received nothing');

      const ledger = await open(t.dir);
      try {
        // Injected: the first append fails (as a ledger that cannot write would), later writes work.
        let failures = 1;
        const flaky: AuditSink = {
          appendGeneration: (r) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : ledger.appendGeneration(r)),
          attachGenerationId: (uid, id) => ledger.attachGenerationId(uid, id),
          finishGeneration: (uid, patch) => ledger.finishGeneration(uid, patch),
        };
        const reasons: string[] = [];
        const sent = await runAuditedStream(
          { client, ledger: flaky, confirmUnrecorded: async (reason) => (reasons.push(String(reason)), true) },
          ask('sent anyway'), context, { onDelta: () => undefined },
        );
        assert.deepEqual(reasons, ['Error: disk full'], 'asked once, with the reason');
        assert.equal(sent.sent, true);
        assert.equal(sent.status, 'success');
        assert.equal(chatRequests(), before + 1);
        assert.equal(ledger.queries.recent(5).filter((r) => r.uid === sent.uid && r.status === 'success').length, 1, 'recorded once after the answer');
      } finally {
        await ledger.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it('a call streaming when the ledger worker dies is recorded through the reopened worker', async () => {
    const t = tempDir('orl-worker-crash-');
    const threads: Ledger[] = [];
    let current: Promise<Ledger> | undefined;
    // What LedgerService does: after a crash the next use opens a new worker.
    const ledger = () =>
      (current ??= openInThread(t.dir, { onWorkerExit: () => (current = undefined) }).then((x) => (threads.push(x.ledger), x.ledger)));
    const first = await openInThread(t.dir, { onWorkerExit: () => (current = undefined) });
    threads.push(first.ledger);
    current = Promise.resolve(first.ledger);
    try {
      let killed: Promise<number> | undefined;
      const result = await runAuditedStream(
        { client, ledger: reopeningChatLedger(ledger), estimateAtSend: 0.05 },
        ask('outlive the worker'), context,
        { onDelta: () => void (killed ??= first.worker.terminate()) },
      );
      await killed;
      assert.equal(result.status, 'success');
      assert.equal(result.recordError, null, `recorded: ${String(result.recordError)}`);
      const now = await ledger();
      assert.notEqual(now, first.ledger, 'a new worker answered');
      const stored = (await now.queries.recent(5)).find((r) => r.uid === result.uid);
      assert.equal(stored?.status, 'success');
      assert.ok(stored?.generation_id, 'with its generation id');
    } finally {
      for (const l of threads) await l.close().catch(() => undefined);
      t.cleanup();
    }
  });
});
