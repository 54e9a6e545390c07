/**
 * Issue 9 item 2: every billed call leaves a row, whatever happens to the window. The row is
 * written before the request goes out (pending, at the pre-flight estimate), gets its generation
 * id from the first chunk, and is completed at the end; a window killed mid-stream leaves a
 * pending row that the next start marks interrupted and prices from /generation; shutting down
 * aborts the streams in flight and records them as cancelled before the ledger closes.
 * Real child process (SIGKILL), real simulator over HTTP, real ledger folders.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { decodeRecords } from '../../src/ledger/journal';
import type { StoredGeneration } from '../../src/ledger/types';
import { runAuditedStream, type AuditContext } from '../../src/chat/auditedCall';
import { GenerationBackfiller } from '../../src/chat/backfill';
import { InFlightCalls } from '../../src/chat/inFlight';
import { silentLogger } from '../../src/util/logger';
import type { ChildConfig } from './helpers/auditedCallChild';
import { open, tempDir, waitFor, WASM_PATH } from './helpers/ledgerFixtures';

const CHILD = path.join(__dirname, 'helpers', 'auditedCallChild.ts');
const ESTIMATE = 0.0042;
const context: AuditContext = {
  userId: 'dev', tags: [], workspace: null, gitBranch: null, storePrompts: 'none', redactionPatterns: [],
  keyLabel: null, chatSession: 'interrupt-test',
};

/** Runs the child; resolves lines as they come. */
function startChild(config: ChildConfig) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => lines.push(`stderr ${chunk}`));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  const line = async (pattern: RegExp) => {
    assert.ok(await waitFor(() => lines.some((l) => pattern.test(l)), 30_000), `no ${pattern}:\n${lines.slice(-8).join('\n')}`);
    return lines.find((l) => pattern.test(l))!;
  };
  return { child, lines, exited, line };
}

describe('calls interrupted by the window', () => {
  let sim: Simulator;
  let transport: ClosableTransport;
  let client: OpenRouterClient;

  before(async () => {
    sim = await startSimulator({ generationDelayMs: 200, streamChunkDelayMs: 100 });
    transport = undiciTransport();
    client = simulatorClient(sim, transport, { timeoutMs: 30_000 });
  });

  after(async () => {
    await transport.close();
    await sim.close();
  });

  it('a window killed mid-stream leaves a pending row that the next start marks interrupted and prices from /generation', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const run = startChild({ dir, wasmPath: WASM_PATH, baseUrl: sim.baseUrl, apiKey: sim.inferenceKey, prompt: 'A long answer please [[tokens:400]]', estimate: ESTIMATE });
      const writer = (await run.line(/^ready /)).slice(6);
      const generationId = (await run.line(/^id /)).slice(3);
      await run.line(/^delta 4$/);
      run.child.kill('SIGKILL');
      assert.equal(await run.exited, 'SIGKILL');
      assert.ok(!run.lines.some((l) => l.startsWith('finished')), 'the stream never finished');

      // What the killed window left on disk: the pending row (written before sending) and its id.
      const journal = readFileSync(path.join(dir, 'journal', `${writer}.jsonl`));
      const ops = decodeRecords(journal, 0).records.map((r) => r.op);
      const inserted = ops.find((op) => op.k === 'gen');
      assert.ok(inserted && inserted.k === 'gen');
      assert.equal(inserted.rows[0].status, 'pending');
      assert.equal(inserted.rows[0].total_cost, ESTIMATE, 'the pre-flight estimate stands in while the request runs');
      assert.ok(ops.some((op) => op.k === 'upd' && op.set.generation_id === generationId), 'the generation id was recorded as soon as it arrived');

      // OpenRouter billed what it streamed before the connection dropped.
      assert.ok(await waitFor(() => !!sim.generations().find((g) => g.id === generationId)?.cancelled, 10_000));
      const billed = sim.generations().find((g) => g.id === generationId)!;
      assert.ok(billed.cost > 0);

      const l = await open(dir);
      const [interrupted] = l.queries.recent(5) as StoredGeneration[];
      assert.equal(interrupted.status, 'interrupted');
      assert.equal(interrupted.generation_id, generationId);
      assert.equal(interrupted.cost_source, 'estimate');
      assert.equal(interrupted.total_cost, ESTIMATE, 'never $0 while the exact figure is unknown');
      assert.equal(interrupted.backfill, 'pending');
      const totals = l.queries.summary('all');
      assert.equal(totals.requests, 1, 'an interrupted call counts as a request…');
      assert.equal(totals.errors, 0, '…not as an error (OpenRouter may well have answered it)');
      assert.equal(totals.cost, ESTIMATE, '…and its cost as spent, so budgets see it');

      const backfiller = new GenerationBackfiller({ client: () => client, ledger: async () => l, logger: silentLogger, waitMs: 5_000, abandonAfterMs: 60_000 });
      await backfiller.resume();
      await backfiller.idle();
      backfiller.dispose();
      const [priced] = l.queries.recent(5) as StoredGeneration[];
      assert.equal(priced.status, 'interrupted');
      assert.equal(priced.cost_source, 'generation');
      assert.equal(priced.total_cost, billed.cost, "the simulator's exact /generation cost");
      assert.equal(priced.completion_tokens, billed.completionTokens);
      assert.equal((await l.verify()).ok, true, 'pending → id → interrupted → priced is a clean chain');
      await l.close();
    } finally {
      cleanup();
    }
  });

  it('a pending row whose window is still alive is left alone by another window', async () => {
    const { dir, cleanup } = tempDir();
    const streaming = await open(dir);
    try {
      let seen: StoredGeneration | undefined;
      let otherLook: Promise<{ marked: number; status: string | undefined }> | undefined;
      await runAuditedStream({ client, ledger: streaming, estimateAtSend: ESTIMATE }, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hold on [[tokens:40]]' }], maxTokens: 100 }, context, {
        onDelta: () => {
          if (otherLook) return;
          seen = streaming.queries.recent(1)[0];
          // Another window starts meanwhile and looks for orphaned rows.
          otherLook = open(dir).then(async (other) => {
            const marked = await other.markInterrupted();
            await other.refresh();
            const status = other.queries.recent(1)[0]?.status;
            await other.close();
            return { marked, status };
          });
        },
      });
      assert.equal(seen?.status, 'pending', 'the row existed while the answer streamed');
      const look = await otherLook!;
      assert.equal(look.marked, 0, 'its writer is alive: not interrupted');
      assert.notEqual(look.status, 'interrupted');
      await streaming.refresh();
      const [row] = streaming.queries.recent(1);
      assert.equal(row.status, 'success', 'completed by its own window');
    } finally {
      await streaming.close();
      cleanup();
    }
  });

  it('shutting down aborts streams in flight and records them as cancelled before the ledger closes', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const l = await open(dir);
      const inFlight = new InFlightCalls();
      let deltas = 0;
      let shutdown: Promise<void> | undefined;
      const call = runAuditedStream(
        { client, ledger: l, estimateAtSend: ESTIMATE, inFlight, estimateCost: (p, c) => p * 1e-7 + c * 1e-6, estimatePromptTokens: () => 20 },
        { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'keep going [[tokens:400]]' }], maxTokens: 1000 },
        context,
        {
          onDelta: () => {
            // What deactivate() does: abort what is in flight, then close the ledger.
            if (++deltas === 3) shutdown = inFlight.abortAll().then(() => l.close());
          },
        },
      );
      const result = await call;
      await shutdown;
      assert.equal(result.status, 'cancelled');
      assert.equal(result.recordError, null, 'the final write happened before the ledger closed');
      assert.equal(inFlight.size, 0);

      const again = await open(dir);
      const [row] = again.queries.recent(1);
      assert.equal(row.status, 'cancelled');
      assert.equal(row.generation_id, result.generationId);
      assert.equal(row.cost_source, 'estimate');
      assert.ok((row.total_cost ?? 0) > 0);
      assert.equal(row.backfill, 'pending', 'the next window prices it from /generation');
      assert.equal(readdirSync(dir).filter((n) => n.includes('corrupt')).length, 0);
      assert.equal((await again.verify()).ok, true);
      await again.close();
    } finally {
      cleanup();
    }
  });
});
