/**
 * `stats --by model` read page by page from ledger.sqlite plus the journal tail
 * (src/cli/rollupReader.ts) must answer exactly what the ledger answers after loading
 * everything, for every range of whole UTC days, including rows and updates another writer has
 * journaled but not yet snapshotted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byModelFromRollups } from '../../src/cli/rollupReader';
import type { ModelStats } from '../../src/ledger/queries';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

function assertSameStats(fast: ModelStats[], full: ModelStats[], method: 'exact' | 'histogram' = 'histogram'): void {
  assert.deepEqual(fast.map((m) => m.model), full.map((m) => m.model));
  fast.forEach((f, i) => {
    const e = full[i];
    for (const k of ['requests', 'errors', 'promptTokens', 'completionTokens', 'reasoningTokens', 'cachedTokens'] as const) assert.equal(f[k], e[k], `${f.model} ${k}`);
    for (const k of ['cost', 'costShare', 'requestShare', 'errorRate'] as const) assert.ok(close(f[k], e[k]), `${f.model} ${k}: ${f[k]} vs ${e[k]}`);
    assert.equal(f.latency?.count, e.latency?.count);
    assert.equal(f.latency?.method, method);
    assert.equal(e.latency?.method, method);
    for (const k of ['p50', 'p95', 'p99', 'mean'] as const) assert.ok(close(f.latency![k], e.latency![k]), `${f.model} latency ${k}`);
  });
}

test('the rollup reader equals a full load, with inserts, duplicates and updates past the snapshot', async () => {
  const { dir, cleanup } = tempDir('cli-rollups-');
  try {
    const models = ['openai/gpt-4o', 'anthropic/claude-3.5-sonnet', 'google/gemini-2.0-flash-001'];
    const first = await open(dir);
    const day = Date.UTC(2025, 0, 1);
    // Every 30 minutes for ~290 days: every range below holds more than 5,000 latencies (histogram percentiles).
    await Promise.all(Array.from({ length: 14_000 }, (_, i) => first.appendGeneration(row({
      generationId: `gen-base-${i}`, ts: day + i * 1_800_000, modelUsed: models[i % 3], totalCost: ((i % 97) + 1) / 10_000,
      latencyMs: 100 + ((i * 37) % 4000), status: i % 17 === 0 ? 'error' : 'success', promptTokens: i % 500, completionTokens: i % 300,
    }))));
    await first.close();

    // A second writer (another window) whose records stay in its journal: no snapshot while it is open.
    const second = await open(dir, { snapshotDelayMs: 1e9, maxSnapshotDelayMs: 1e9 });
    try {
      for (let i = 0; i < 40; i++) await second.appendGeneration(row({ generationId: `gen-tail-${i}`, ts: Date.UTC(2025, 6, 1) + i * 1000, modelUsed: i % 2 ? models[0] : 'new/model', latencyMs: 900 + i, totalCost: 0.02 }));
      await second.appendGeneration(row({ generationId: 'gen-base-5', modelUsed: 'duplicate/should-not-count', totalCost: 99 }));
      for (let i = 0; i < 30; i++) await second.completeFromGeneration(`gen-base-${i * 7}`, { totalCost: 0.5, modelUsed: models[(i + 1) % 3] });
      await second.completeFromGeneration('gen-tail-3', { totalCost: 0.75 });
      // Requests of unknown cost in the tail, one of them priced later.
      for (let i = 0; i < 3; i++) await second.appendGeneration(row({ generationId: `gen-uncosted-${i}`, ts: Date.UTC(2025, 6, 1, 12) + i * 1000, totalCost: null, costSource: 'estimate' }));
      await second.completeFromGeneration('gen-uncosted-0', { totalCost: 0.01 });

      const fast = await byModelFromRollups(dir);
      assert.ok('models' in fast, `the fast path answered (${'fallback' in fast ? fast.fallback : ''})`);
      const reader = await open(dir, { snapshotDelayMs: 1e9, maxSnapshotDelayMs: 1e9 });
      try {
        const full = await reader.queries.byModel('all');
        assertSameStats(fast.models, full);
        assert.equal(fast.models.reduce((n, m) => n + m.requests, 0), 14_043);
        assert.equal(fast.uncosted, 2, 'requests of unknown cost, as the tail left them');
        assert.equal(fast.uncosted, await reader.queries.uncostedCount('all'));
        assert.ok(!fast.models.some((m) => m.model === 'duplicate/should-not-count'));

        // Whole UTC days, open or closed: months where they fit, days in the partial months (the tail's July rows included).
        const ranges = [
          { from: Date.UTC(2025, 2, 1), to: null }, { from: Date.UTC(2025, 1, 10), to: null },
          { from: Date.UTC(2025, 1, 10), to: Date.UTC(2025, 5, 20) }, { from: null, to: Date.UTC(2025, 5, 3) },
          { from: Date.UTC(2025, 3, 1), to: Date.UTC(2025, 7, 10) },
        ];
        for (const range of ranges) {
          const part = await byModelFromRollups(dir, range);
          assert.ok('models' in part, `${JSON.stringify(range)}: ${'fallback' in part ? part.fallback : ''}`);
          assertSameStats(part.models, await reader.queries.byModel(range));
          assert.equal(part.uncosted, await reader.queries.uncostedCount(range));
        }
        // Few latencies: exact percentiles from the rows, read through the ts index (snapshot rows as updated, tail rows).
        for (const few of [{ from: Date.UTC(2025, 6, 1), to: Date.UTC(2025, 6, 2) }, { from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 5) }, { from: Date.UTC(2025, 9, 1), to: null }]) {
          const exact = await byModelFromRollups(dir, few);
          assert.ok('models' in exact, `${JSON.stringify(few)}: ${'fallback' in exact ? exact.fallback : ''}`);
          assertSameStats(exact.models, await reader.queries.byModel(few), 'exact');
        }
        const july = { from: Date.UTC(2025, 6, 1), to: Date.UTC(2025, 6, 2) };
        const costs = await byModelFromRollups(dir, july, { percentiles: false });
        assert.ok('models' in costs);
        const expected = await reader.queries.summary(july);
        assert.ok(close(costs.models.reduce((c, m) => c + m.cost, 0), expected.cost));
        assert.equal(costs.models.reduce((n, m) => n + m.requests, 0), expected.requests);
        const partial = await byModelFromRollups(dir, { from: Date.UTC(2025, 1, 10, 12), to: null });
        assert.ok('fallback' in partial && /whole UTC days/.test(partial.fallback));
      } finally {
        await reader.close();
      }
    } finally {
      await second.close();
    }
    const afterSnapshot = await byModelFromRollups(dir);
    assert.ok('models' in afterSnapshot);
  } finally {
    cleanup();
  }
});

test('the rollup reader steps aside (and stats loads the ledger) for a deletion in the journals or an edited file', async () => {
  const { dir, cleanup } = tempDir('cli-rollups-fallback-');
  try {
    const l = await open(dir);
    await Promise.all(Array.from({ length: 5100 }, (_, i) => l.appendGeneration(row({ generationId: `g-${i}`, ts: Date.UTC(2025, 0, 1) + i * 60_000 }))));
    await l.close();
    assert.ok('models' in (await byModelFromRollups(dir)));
    const w = await open(dir, { snapshotDelayMs: 1e9, maxSnapshotDelayMs: 1e9 });
    try {
      await w.deleteBefore('2025-01-02T00:00:00Z');
      const answer = await byModelFromRollups(dir);
      assert.ok('fallback' in answer && /deletion/.test(answer.fallback));
    } finally {
      await w.close();
    }
    const { utimesSync } = await import('node:fs');
    utimesSync(`${dir}/ledger.sqlite`, new Date(), new Date(Date.now() - 5000));
    const edited = await byModelFromRollups(dir);
    assert.ok('fallback' in edited && /checked in full/.test(edited.fallback));
  } finally {
    cleanup();
  }
});
