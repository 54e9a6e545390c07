import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { LedgerValidationError } from '../../src/ledger';
import type { ModelInfo } from '../../src/openrouter/types';
import { open, row, tempDir, waitFor, WASM_PATH } from './helpers/ledgerFixtures';

/** Reads ledger.sqlite the way an outside SQLite tool would: a separate database over the file's bytes. */
async function readFile(dir: string, sql: string): Promise<unknown[][]> {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
  try {
    return db.exec(sql)[0]?.values ?? [];
  } finally {
    db.close();
  }
}

test('appended requests survive closing and reopening, with every field as written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await open(dir);
    const uid = await a.appendGeneration(row({ generationId: 'gen-keep', tags: ['team-a', 'x'], reasoningTokens: 7, cachedTokens: 3, isByok: false, streamed: true, ttftMs: 120, httpStatus: 200, finishReason: 'stop' }));
    await a.close();
    const b = await open(dir);
    const [stored] = b.queries.recent(1);
    assert.equal(stored.uid, uid);
    assert.equal(stored.generation_id, 'gen-keep');
    assert.equal(stored.tags, '["team-a","x"]');
    assert.equal(stored.reasoning_tokens, 7);
    assert.equal(stored.is_byok, 0);
    assert.equal(stored.streamed, 1);
    assert.equal(stored.ttft_ms, 120);
    assert.equal(stored.backfill, 'pending');
    await b.close();
  } finally {
    cleanup();
  }
});

test('ledger.sqlite is a plain SQLite file that an outside reader sees up to date shortly after the last write', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir, { snapshotDelayMs: 50 });
    await l.appendGeneration(row({ generationId: 'gen-visible' }));
    const seen = await waitFor(async () => existsSync(path.join(dir, 'ledger.sqlite')) &&
      (await readFile(dir, "SELECT COUNT(*) FROM generations WHERE generation_id = 'gen-visible'"))[0]?.[0] === 1, 3_000);
    assert.ok(seen, 'the snapshot should contain the row within the snapshot delay');
    await l.close();
  } finally {
    cleanup();
  }
});

test('close() leaves ledger.sqlite holding every request and no lock behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir, { snapshotDelayMs: 60_000, maxSnapshotDelayMs: 60_000 });
    for (let i = 0; i < 5; i++) await l.appendGeneration(row());
    await l.close();
    assert.deepEqual(await readFile(dir, 'SELECT COUNT(*) FROM generations'), [[5]]);
    assert.equal(existsSync(path.join(dir, 'ledger.lock')), false);
  } finally {
    cleanup();
  }
});

test('a raw API key given as key label or inside prompt text is never stored', async () => {
  const { dir, cleanup } = tempDir();
  const key = 'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab';
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ keyLabel: key, promptText: `my key is ${key} ok`, errorCode: `bad ${key}` }));
    await l.close();
    const bytes = readFileSync(path.join(dir, 'ledger.sqlite')).toString('latin1');
    assert.equal(bytes.includes(key), false, 'snapshot must not contain the key');
    for (const f of readdirSync(path.join(dir, 'journal'))) {
      assert.equal(readFileSync(path.join(dir, 'journal', f), 'utf8').includes(key), false, 'journal must not contain the key');
    }
    assert.deepEqual(await readFile(dir, 'SELECT key_label FROM generations'), [['sk-or-v1-012…89ab']]);
  } finally {
    cleanup();
  }
});

test('a second request with the same generation id is not stored twice', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const first = await l.appendGeneration(row({ generationId: 'gen-dup' }));
    const second = await l.appendGeneration(row({ generationId: 'gen-dup', totalCost: 9 }));
    assert.equal(second, first);
    assert.equal(l.rowCount(), 1);
    assert.equal(l.queries.summary('all').cost, 0.001);
    await l.close();
  } finally {
    cleanup();
  }
});

test('requests without a generation id (failed before OpenRouter answered) are all kept', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ generationId: null, status: 'error', errorCode: 'ECONNRESET' }));
    await l.appendGeneration(row({ generationId: null, status: 'timeout' }));
    assert.equal(l.rowCount(), 2);
    assert.deepEqual(l.pendingBackfills(), []);
    await l.close();
  } finally {
    cleanup();
  }
});

test('invalid rows are refused with the field named and nothing recorded', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await assert.rejects(l.appendGeneration(row({ ts: 'yesterday' })), (e: Error) => e instanceof LedgerValidationError && /ts/.test(e.message));
    await assert.rejects(l.appendGeneration(row({ promptTokens: -1 })), /promptTokens/);
    await assert.rejects(l.appendGeneration(row({ totalCost: Number.NaN })), /totalCost/);
    await assert.rejects(l.appendGeneration(row({ status: 'exploded' as never })), /status/);
    assert.equal(l.rowCount(), 0);
    await l.close();
  } finally {
    cleanup();
  }
});

test('a /generation backfill completes a pending row, changes its figures and leaves the pending list', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ generationId: 'gen-b1', totalCost: 0.001 }));
    await l.appendGeneration(row({ generationId: 'gen-b2' }));
    assert.deepEqual(l.pendingBackfills().map((p) => p.generationId), ['gen-b1', 'gen-b2']);
    assert.equal(await l.completeFromGeneration('gen-b1', { totalCost: 0.0042, provider: 'Azure', generationTimeMs: 800 }), true);
    assert.equal(await l.abandonBackfill('gen-b2'), true);
    assert.equal(await l.completeFromGeneration('gen-unknown', { totalCost: 1 }), false);
    assert.deepEqual(l.pendingBackfills(), []);
    const byGid = Object.fromEntries(l.queries.recent(10).map((r) => [r.generation_id, r]));
    assert.equal(byGid['gen-b1'].cost_source, 'generation');
    assert.equal(byGid['gen-b1'].total_cost, 0.0042);
    assert.equal(byGid['gen-b1'].backfill, 'done');
    assert.equal(byGid['gen-b2'].backfill, 'abandoned');
    assert.equal(l.queries.summary('all').cost, 0.0042 + 0.001);
    await l.close();
    const again = await open(dir);
    assert.equal(again.queries.summary('all').cost, 0.0042 + 0.001);
    await again.close();
  } finally {
    cleanup();
  }
});

test('activity rows are upserted on their natural key and kept beyond OpenRouter’s 30 days', async () => {
  const { dir, cleanup } = tempDir();
  const activity = (date: string, usage: number) => ({
    date, model: 'openai/gpt-4o', modelPermaslug: 'openai/gpt-4o-2024', endpointId: 'ep1', providerName: 'OpenAI',
    usage, byokUsageInference: 0, requests: 3, promptTokens: 10, completionTokens: 5, reasoningTokens: 0, workspaceId: null,
  });
  try {
    const l = await open(dir);
    await l.upsertActivity([activity('2024-01-01', 1), activity('2025-01-01', 2)]);
    await l.upsertActivity([activity('2025-01-01', 5)]);
    assert.deepEqual(l.queries.activity('all').map((a) => [a.date, a.usage]), [['2024-01-01', 1], ['2025-01-01', 5]]);
    await l.applyRetention(30, Date.UTC(2025, 5, 1));
    assert.equal(l.queries.activity('all').length, 2, 'retention keeps the activity history');
    await l.close();
  } finally {
    cleanup();
  }
});

test('credit readings form a time series and model prices are cached with their fetch time', async () => {
  const { dir, cleanup } = tempDir();
  const model: ModelInfo = {
    id: 'openai/gpt-4o', canonicalSlug: null, name: 'GPT-4o', created: null, contextLength: 128000, maxCompletionTokens: null,
    pricing: { prompt: 0.0000025, completion: 0.00001, request: null, image: null, webSearch: null, internalReasoning: null, inputCacheRead: null, inputCacheWrite: null, discount: 0, overrides: [] },
    supportedParameters: ['tools'],
  };
  try {
    const l = await open(dir);
    await l.addCreditSnapshot({ at: '2025-01-01T00:00:00Z', keyLabel: 'sk-or-v1-abc…wxyz', credits: { totalCredits: 10, totalUsage: 1 } });
    await l.addCreditSnapshot({ at: '2025-01-01T01:00:00Z', credits: { totalCredits: 10, totalUsage: 2 } });
    await l.putModelPrices([model], '2025-01-02T00:00:00Z');
    await l.close();
    const again = await open(dir);
    assert.deepEqual(again.queries.creditHistory('all').map((c) => c.totalUsage), [1, 2]);
    assert.deepEqual(again.getModelPrices(), [{ model, fetchedAt: '2025-01-02T00:00:00.000Z' }]);
    await again.close();
  } finally {
    cleanup();
  }
});

test('retention deletes old requests and credit readings, and 0 days keeps everything', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ ts: '2024-01-01T00:00:00Z' }));
    await l.appendGeneration(row({ ts: '2025-06-01T00:00:00Z' }));
    await l.addCreditSnapshot({ at: '2024-01-01T00:00:00Z', credits: { totalCredits: 1, totalUsage: 0 } });
    assert.equal(await l.applyRetention(0, Date.UTC(2025, 6, 1)), 0);
    assert.equal(l.rowCount(), 2);
    assert.equal(await l.applyRetention(90, Date.UTC(2025, 6, 1)), 1);
    assert.equal(l.rowCount(), 1);
    assert.equal(l.queries.creditHistory('all').length, 0);
    assert.equal(l.queries.summary('all').requests, 1);
    await l.close();
  } finally {
    cleanup();
  }
});
