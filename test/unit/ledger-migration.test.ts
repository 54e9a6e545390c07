import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GENERATION_COLUMNS, normalizeGeneration } from '../../src/ledger/normalize';
import { rebuildRollups } from '../../src/ledger/rollups';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/ledger/schema';
import { loadSqlJs, type Database } from '../../src/ledger/sqljs';
import type { GenerationInput } from '../../src/ledger/types';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';
import { insertRowsAsOlderVersion } from './helpers/olderLedger';

/** A row's values as every version before 5 stored and hashed them: money as USD floats. */
const storedBeforeV5 = (r: ReturnType<typeof normalizeGeneration>) => GENERATION_COLUMNS.map((c) => r[c]);

/** Writes rows the way a version-1 ledger did: raw row + chain entry (holding the generation id), no rollups. */
function insertRawRows(db: Database, inputs: GenerationInput[]): void {
  insertRowsAsOlderVersion(db, inputs, storedBeforeV5);
}

function insertV1Rows(db: Database, count: number): void {
  insertRawRows(db, Array.from({ length: count }, (_, i) => row({
    generationId: `v1-${i}`, ts: Date.UTC(2025, 1, 1 + (i % 20), i % 24), modelUsed: `m/${i % 3}`,
    status: i % 7 === 0 ? 'error' : 'success', latencyMs: 100 + i, totalCost: 0.01 * (i % 5),
  })));
}

test('a ledger file from every earlier schema version opens, migrates and keeps its rows', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  for (let version = 0; version < SCHEMA_VERSION; version++) {
    const { dir, cleanup } = tempDir();
    try {
      const db = new SQL.Database();
      migrate(db, version);
      assert.equal(schemaVersion(db), version);
      const rows = version >= 1 ? 40 : 0;
      if (rows) insertV1Rows(db, rows);
      // From v2 on, a ledger kept its rollups up to date with its rows.
      if (rows && version >= 2) rebuildRollups(db);
      writeFileSync(path.join(dir, 'ledger.sqlite'), db.export());
      db.close();

      const l = await open(dir);
      assert.equal(l.rowCount(), rows, `v${version}: rows kept`);
      const raw = l.queries.recent(1000);
      const summary = l.queries.summary('all');
      assert.equal(summary.requests, rows, `v${version}: rollups built from the old rows`);
      assert.equal(summary.errors, raw.filter((r) => r.status === 'error').length);
      assert.ok(Math.abs(summary.cost - raw.reduce((s, r) => s + (r.total_cost ?? 0), 0)) < 1e-9);
      assert.equal((await l.verify()).ok, true, `v${version}: chain still verifies`);
      await l.appendGeneration(row());
      assert.equal(l.queries.summary('all').requests, rows + 1);
      await l.close();

      const check = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
      assert.equal(schemaVersion(check), SCHEMA_VERSION, `v${version}: file saved at the current version`);
      const indexes = check.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_generations_%'")[0].values.flat();
      assert.ok(indexes.includes('idx_generations_model_latency'));
      assert.ok(!indexes.includes('idx_generations_model'));
      check.close();
    } finally {
      cleanup();
    }
  }
});

// It used to be set aside as damage (renamed .corrupt-*) and replaced by an empty ledger; someone
// else's sound database at our path is not damage, so the open now fails and leaves it alone.
test('an SQLite file that is not a ledger fails the open with a clear message and is left untouched', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = tempDir();
  try {
    const db = new SQL.Database();
    db.exec("CREATE TABLE audit_log (id INTEGER PRIMARY KEY); INSERT INTO audit_log VALUES (7)");
    const bytes = Buffer.from(db.export());
    writeFileSync(path.join(dir, 'ledger.sqlite'), bytes);
    db.close();
    await assert.rejects(open(dir), (err: Error) => {
      assert.equal(err.name, 'LedgerOpenError');
      assert.match(err.message, /ledger\.sqlite .*is an SQLite database but not an OpenRouter Ledger .*left untouched/);
      return true;
    });
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ledger.sqlite')), ['ledger.sqlite'], 'nothing set aside, no snapshot written');
    assert.ok(readFileSync(path.join(dir, 'ledger.sqlite')).equals(bytes), 'the file is unchanged');
  } finally {
    cleanup();
  }
});

test('a v2 ledger migrated to v3 records pending and interrupted calls; the old statuses stay checked', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = tempDir();
  try {
    const db = new SQL.Database();
    migrate(db, 2);
    insertV1Rows(db, 5);
    rebuildRollups(db);
    writeFileSync(path.join(dir, 'ledger.sqlite'), db.export());
    db.close();
    const l = await open(dir);
    const uid = await l.appendGeneration(row({ status: 'pending', costSource: 'estimate', totalCost: 0.01 }));
    assert.equal(await l.updateGeneration(uid, { status: 'interrupted' }), true);
    await l.close();
    const check = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    assert.deepEqual(check.exec('SELECT status FROM generations WHERE uid = ?', [uid])[0].values, [['interrupted']]);
    assert.throws(() => check.run('UPDATE generations_packed SET status_code = 9 WHERE uid = ?', [uid]), /CHECK constraint failed/);
    assert.deepEqual(check.exec('PRAGMA integrity_check')[0].values, [['ok']]);
    check.close();
  } finally {
    cleanup();
  }
});

test('a v3 ledger migrated to v4 ranks its chat sessions and tags from the rollups, kept up to date afterwards', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = tempDir();
  try {
    const db = new SQL.Database();
    migrate(db, 3);
    const at = (day: number) => Date.UTC(2025, 1, day, 12);
    const tokens = { promptTokens: 100, completionTokens: 20 };
    insertRawRows(db, [
      row({ generationId: 'v3-0', ts: at(1), chatSession: 'chat-a', tags: ['review'], totalCost: 0.5, ...tokens }),
      row({ generationId: 'v3-1', ts: at(2), chatSession: 'chat-a', tags: ['review', 'ci'], totalCost: 0.25, status: 'error', ...tokens }),
      row({ generationId: 'v3-2', ts: at(2), chatSession: null, tags: ['ci'], totalCost: 0.125, ...tokens }),
      row({ generationId: 'v3-3', ts: at(3), chatSession: 'chat-b', tags: null, totalCost: 1, ...tokens }),
    ]);
    rebuildRollups(db);
    // A v3 ledger kept no session or tag rollups.
    db.run("DELETE FROM roll_day_dim WHERE dim IN ('ses', 'tag')");
    writeFileSync(path.join(dir, 'ledger.sqlite'), db.export());
    db.close();

    const l = await open(dir);
    // 'all' reads roll_day_dim alone (no partial days at the edges), so these come from what the migration built.
    assert.deepEqual(l.queries.bySession('all'), [
      { key: 'chat-b', requests: 1, errors: 0, tokens: 120, cost: 1 },
      { key: 'chat-a', requests: 2, errors: 1, tokens: 240, cost: 0.75 },
      { key: null, requests: 1, errors: 0, tokens: 120, cost: 0.125 },
    ]);
    assert.deepEqual(l.queries.byTag('all'), [
      { key: 'review', requests: 2, errors: 1, tokens: 240, cost: 0.75 },
      { key: 'ci', requests: 2, errors: 1, tokens: 240, cost: 0.375 },
    ]);
    // Inserts and updates after the migration keep them exact.
    await l.appendGeneration(row({ generationId: 'v4-0', ts: at(3), chatSession: 'chat-a', tags: ['ci'], totalCost: 1, ...tokens }));
    assert.equal(await l.completeFromGeneration('v3-3', { totalCost: 0.0625 }), true);
    assert.deepEqual(l.queries.bySession('all').map((x) => [x.key, x.requests, x.cost]), [['chat-a', 3, 1.75], [null, 1, 0.125], ['chat-b', 1, 0.0625]]);
    assert.deepEqual(l.queries.byTag('all').map((x) => [x.key, x.requests, x.cost]), [['ci', 3, 1.375], ['review', 2, 0.75]]);
    await l.close();
    const check = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    assert.equal(schemaVersion(check), SCHEMA_VERSION);
    check.close();
  } finally {
    cleanup();
  }
});
