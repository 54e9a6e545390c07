/**
 * Schema v6 stores rows packed (src/ledger/packedRows.ts) behind the view `generations`. What a
 * user, an export or a hash sees must not change: every value reads back exactly as written,
 * hostile text included; the CLI's decoder (no SQL) agrees with the view; a v5 file migrates
 * without changing any row's value, even one edited beyond what the encodings hold; and every
 * lookup the ledger makes still goes through an index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LedgerDb } from '../../src/ledger/apply';
import { GENERATION_COLUMNS, normalizeGeneration, rowHash, rowValues } from '../../src/ledger/normalize';
import { PACKED_COLUMNS, unpackValues } from '../../src/ledger/packedRows';
import { rebuildRollups } from '../../src/ledger/rollups';
import { migrate } from '../../src/ledger/schema';
import { loadSqlJs, type Database } from '../../src/ledger/sqljs';
import type { GenerationInput } from '../../src/ledger/types';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';
import { insertRowsAsOlderVersion } from './helpers/olderLedger';

const HOSTILE = ["'; DROP TABLE strings; --", '=HYPERLINK("x")', 'ünïcödé 🚀', 'a\u0000b', 'x'.repeat(3000), '0', '1', ''];

/** Rows that use every encoding and step outside each: text in every shared column, codes, hashes, odd timestamps. */
function varied(n: number): GenerationInput[] {
  return Array.from({ length: n }, (_, i) => row({
    ts: i % 7 === 0 ? '2024-02-29T23:59:59.999+01:00' : Date.UTC(1970 + (i % 8000), i % 12, 1 + (i % 28), i % 24, i % 60, i % 60, i % 1000),
    modelRequested: HOSTILE[i % HOSTILE.length] || 'm/empty',
    modelUsed: i % 5 === 0 ? null : `vendor/model-${i % 4}`,
    provider: HOSTILE[(i + 1) % HOSTILE.length],
    status: (['success', 'error', 'timeout', 'cancelled', 'pending', 'interrupted'] as const)[i % 6],
    costSource: (['usage', 'generation', 'estimate'] as const)[i % 3],
    errorCode: i % 6 === 1 ? String(400 + (i % 5)) : null,
    finishReason: i % 2 ? 'stop' : null,
    userId: HOSTILE[(i + 2) % HOSTILE.length],
    tags: i % 3 ? [HOSTILE[i % HOSTILE.length], 't'] : null,
    workspace: `ws-${i % 3}`,
    gitBranch: i % 4 ? 'main;=HYPERLINK(1)' : null,
    // Lowercase hex is stored as bytes; anything else as text, as given.
    promptHash: (['ab'.repeat(32), 'AB'.repeat(32), 'abc', 'not-hex', null] as const)[i % 5],
    chatSession: `session-${i % 10}`,
    latencyMs: i % 2 ? 123.456 + i : 1000 + i,
    totalCost: i % 9 === 0 ? null : (i % 997) * 1.3e-7,
    cacheDiscount: i % 4 === 0 ? -0.000012 : null,
  }));
}

function viewRows(db: Database): unknown[][] {
  return db.exec(`SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations ORDER BY id`)[0].values;
}

test('every value of a row reads back through the view exactly as it was written and hashed', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const ldb = new LedgerDb(new SQL.Database());
  try {
    migrate(ldb.db);
    const rows = varied(400).map((r) => normalizeGeneration(r));
    ldb.transaction(() => ldb.insertGenerations(rows));
    const read = viewRows(ldb.db);
    assert.equal(read.length, rows.length);
    rows.forEach((r, i) => {
      assert.deepEqual(read[i], rowValues(r), `row ${i}`);
      assert.deepEqual(rowHash(read[i]), rowHash(rowValues(r)));
    });
    const texts = ldb.db.exec('SELECT COUNT(*) FROM strings')[0].values[0][0] as number;
    assert.ok(texts < 40, `shared text is stored once (${texts} strings for ${rows.length} rows)`);
  } finally {
    ldb.close();
  }
});

test("the CLI's decoder of packed records agrees with the view on every row", async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const ldb = new LedgerDb(new SQL.Database());
  try {
    migrate(ldb.db);
    ldb.transaction(() => ldb.insertGenerations(varied(200).map((r) => normalizeGeneration(r))));
    const strings = new Map(ldb.db.exec('SELECT id, value FROM strings')[0].values.map(([id, v]) => [id as number, v as string]));
    const packed = ldb.db.exec(`SELECT ${PACKED_COLUMNS.join(', ')} FROM generations_packed ORDER BY id`)[0].values;
    const view = viewRows(ldb.db);
    packed.forEach((p, i) => assert.deepEqual(unpackValues(p, (id) => strings.get(id)), view[i], `row ${i}`));
  } finally {
    ldb.close();
  }
});

/** A v5 file as the v5 code wrote it: rows in the `generations` table, chain entries holding the generation id. */
function v5File(db: Database, inputs: GenerationInput[]): void {
  migrate(db, 5);
  insertRowsAsOlderVersion(db, inputs, rowValues);
  rebuildRollups(db);
}

test('a v5 ledger migrates to packed rows without changing a value, and an edit made before stays reported', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = tempDir();
  try {
    const db = new SQL.Database();
    // No row still pending: opening the ledger would rightly mark those interrupted.
    v5File(db, varied(120).map((r) => (r.status === 'pending' ? { ...r, status: 'cancelled' as const } : r)));
    // Someone edited the v5 file: values no encoding holds (a timestamp that is not one, a status word the codes lack is refused by v5's CHECK, so an origin word instead).
    db.run("UPDATE generations SET ts = 'yesterday', origin = 'sideloaded' WHERE id = 7");
    db.run("UPDATE generations SET model_used = NULL, prompt_hash = 'CAFE' WHERE id = 8");
    const before = viewRows(db);
    writeFileSync(path.join(dir, 'ledger.sqlite'), db.export());
    db.close();

    const l = await open(dir);
    const report = await l.verify();
    const uidOf = (id: number) => before[id - 1][0];
    assert.deepEqual(report.problems.map((p) => [p.kind, p.uid]).sort(), [['altered', uidOf(7)], ['altered', uidOf(8)]].sort());
    assert.equal(report.rowsChecked, 120);
    await l.close();
    const migrated = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    try {
      assert.equal(migrated.exec('SELECT version FROM schema_version')[0].values[0][0], 6);
      assert.deepEqual(viewRows(migrated), before, 'every value as it was, the edited ones too');
      assert.deepEqual(migrated.exec('SELECT typeof(ts_ms) FROM generations_packed WHERE id = 7')[0].values, [['text']]);
    } finally {
      migrated.close();
    }
  } finally {
    cleanup();
  }
});

test('every lookup of the packed table goes through an index', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database();
  migrate(db);
  const plan = (sql: string) => db.exec(`EXPLAIN QUERY PLAN ${sql}`)[0].values.map((v) => String(v[3])).join(' | ');
  try {
    // The queries of queries.ts, pendingRows.ts, store.ts and exporter.ts (aggregates read the packed table, rows the view).
    assert.match(plan('SELECT MIN(ts_ms) FROM generations_packed WHERE status_code = 4'), /COVERING INDEX idx_generations_pending/);
    assert.match(plan('SELECT g.uid FROM generations_packed g LEFT JOIN pending_owner p ON p.uid = g.uid WHERE g.status_code = 4'), /SCAN g USING INDEX idx_generations_pending/);
    assert.match(plan(`SELECT ?1, latency_ms FROM generations_packed WHERE model_used_ref = (SELECT id FROM strings WHERE value = ?1)
      AND status_code = 0 AND ts_ms >= ?2 AND ts_ms < ?3 AND latency_ms IS NOT NULL`), /COVERING INDEX idx_generations_model_latency \(model_used_ref=\? AND ts_ms>\? AND ts_ms<\?\)/);
    assert.match(plan('SELECT id FROM generations_packed WHERE backfill_code = 0 ORDER BY ts_ms LIMIT 5'), /idx_generations_backfill/);
    assert.match(plan(`SELECT COUNT(*) FROM generations_packed WHERE ts_ms >= 1 AND ts_ms < 2 AND total_cost IS NULL
      AND (generation_id IS NOT NULL OR status_code IN (0, 4, 5))`), /idx_generations_uncosted/);
    assert.match(plan('SELECT COUNT(*) FROM generations_packed WHERE ts_ms >= 1 AND ts_ms < 2'), /COVERING INDEX idx_generations_ts/);
    assert.match(plan('SELECT model_used, total_cost FROM generations WHERE ts_ms >= 1 AND ts_ms < 2'), /SEARCH generations_packed USING INDEX idx_generations_ts/);
    assert.match(plan("SELECT * FROM generations WHERE uid = 'u'"), /USING INDEX sqlite_autoindex_generations_packed_1/);
    assert.match(plan("SELECT * FROM generations WHERE generation_id = 'g'"), /USING INDEX sqlite_autoindex_generations_packed_2/);
    const indexes = db.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_generations_%' ORDER BY name")[0].values.flat();
    assert.deepEqual(indexes, ['idx_generations_backfill', 'idx_generations_model_latency', 'idx_generations_pending', 'idx_generations_ts', 'idx_generations_uncosted']);
  } finally {
    db.close();
  }
});

test('deleted history leaves no text behind: names only deleted rows used are gone from the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ ts: '2025-01-01T10:00:00Z', gitBranch: 'feature/acquisition-talks', chatSession: 'session-old-1', workspace: 'shared-ws' }));
    await l.appendGeneration(row({ ts: '2025-03-01T10:00:00Z', gitBranch: 'main', chatSession: 'session-new', workspace: 'shared-ws' }));
    assert.equal(await l.deleteBefore('2025-02-01T00:00:00Z'), 1);
    await l.close();
    const bytes = readFileSync(path.join(dir, 'ledger.sqlite'));
    assert.equal(bytes.includes('feature/acquisition-talks'), false, 'the deleted row’s branch is not in the file');
    assert.equal(bytes.includes('session-old-1'), false, 'nor its chat session');
    assert.equal(bytes.includes('shared-ws'), true, 'text a remaining row uses stays');
    const reopened = await open(dir);
    assert.deepEqual(reopened.queries.recent(10).map((r) => [r.git_branch, r.workspace]), [['main', 'shared-ws']]);
    assert.equal((await reopened.verify()).ok, true);
    await reopened.appendGeneration(row({ ts: '2025-04-01T10:00:00Z', gitBranch: 'feature/acquisition-talks' }));
    assert.deepEqual(reopened.queries.recent(1).map((r) => r.git_branch), ['feature/acquisition-talks'], 'the text can be used again');
    await reopened.close();
  } finally {
    cleanup();
  }
});
