import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { appendChainEntry, ChainKind, readRawHead } from '../../src/ledger/chain';
import { GENERATION_COLUMNS, normalizeGeneration, rowHash, rowValues } from '../../src/ledger/normalize';
import { rebuildRollups } from '../../src/ledger/rollups';
import { migrate, SCHEMA_VERSION, schemaVersion } from '../../src/ledger/schema';
import { loadSqlJs, type Database, type Statement } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

/** Writes rows the way a version-1 ledger did: raw row + chain entry, no rollups. */
function insertV1Rows(db: Database, count: number): void {
  const statements = new Map<string, Statement>();
  const stmt = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;
  const insert = db.prepare(`INSERT INTO generations (${GENERATION_COLUMNS.join(', ')}) VALUES (${GENERATION_COLUMNS.map(() => '?').join(', ')})`);
  let head = readRawHead(stmt);
  for (let i = 0; i < count; i++) {
    const r = normalizeGeneration(row({
      generationId: `v1-${i}`, ts: Date.UTC(2025, 1, 1 + (i % 20), i % 24), modelUsed: `m/${i % 3}`,
      status: i % 7 === 0 ? 'error' : 'success', latencyMs: 100 + i, totalCost: 0.01 * (i % 5),
    }));
    insert.run(rowValues(r));
    head = appendChainEntry(stmt, head, ChainKind.insert, r.uid, r.generation_id, Date.parse(r.ts), rowHash(rowValues(r)));
  }
  insert.free();
  for (const s of statements.values()) s.free();
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

test('an SQLite file that is not a ledger is set aside instead of being migrated', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = tempDir();
  try {
    const db = new SQL.Database();
    db.exec('CREATE TABLE audit_log (id INTEGER PRIMARY KEY)');
    writeFileSync(path.join(dir, 'ledger.sqlite'), db.export());
    db.close();
    const l = await open(dir);
    assert.ok(l.warnings.some((w) => w.kind === 'corrupt-snapshot' && /not an OpenRouter Ledger database/.test(w.message)));
    assert.equal(l.rowCount(), 0);
    await l.close();
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
    assert.throws(() => check.run("UPDATE generations SET status = 'bogus' WHERE uid = ?", [uid]), /CHECK constraint failed/);
    assert.deepEqual(check.exec('PRAGMA integrity_check')[0].values, [['ok']]);
    check.close();
  } finally {
    cleanup();
  }
});
