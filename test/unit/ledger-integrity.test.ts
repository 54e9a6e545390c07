import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

/**
 * Edits ledger.sqlite behind the ledger's back, as someone with an SQLite tool would (rows are
 * stored in `generations_packed`; `generations` is a read-only view). Returns what `read` found before.
 */
async function tamper(dir: string, sql: string, read = 'SELECT 1'): Promise<unknown[][]> {
  const SQL = await loadSqlJs(WASM_PATH);
  const file = path.join(dir, 'ledger.sqlite');
  const db = new SQL.Database(readFileSync(file));
  const before = db.exec(read)[0]?.values ?? [];
  db.exec(sql);
  writeFileSync(file, db.export());
  db.close();
  return before;
}

async function ledgerWithRows(dir: string): Promise<void> {
  const l = await open(dir);
  for (let i = 1; i <= 5; i++) await l.appendGeneration(row({ generationId: `gen-${i}`, ts: `2025-03-0${i}T12:00:00Z` }));
  await l.completeFromGeneration('gen-2', { totalCost: 0.5 });
  await l.close();
}

test('a ledger written only through the ledger verifies clean, including backfills and deletions', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    const l = await open(dir);
    await l.deleteBefore('2025-03-02T00:00:00Z');
    await l.appendGeneration(row({ generationId: 'gen-old-import', ts: '2025-01-01T00:00:00Z' }));
    const report = await l.verify();
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.equal(report.rowsChecked, 5);
    await l.close();
    const reopened = await open(dir);
    assert.equal((await reopened.verify()).ok, true, 'still clean after the compacted (VACUUM) snapshot');
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('verify names the row whose cost was edited in the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    await tamper(dir, "UPDATE generations_packed SET total_cost = 0 WHERE generation_id = 'gen-3'");
    const l = await open(dir);
    const report = await l.verify();
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.generationId]), [['altered', 'gen-3']]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('verify names a row deleted from the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    const [[uid]] = await tamper(dir, "DELETE FROM generations_packed WHERE generation_id = 'gen-4'", "SELECT uid FROM generations WHERE generation_id = 'gen-4'");
    const l = await open(dir);
    const report = await l.verify();
    assert.deepEqual(report.problems.map((p) => [p.kind, p.uid]), [['removed', uid]]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('verify reports a row slipped into the file and an edited chain entry', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    await tamper(dir, `INSERT INTO strings (value) VALUES ('x/y');
      INSERT INTO generations_packed (uid, generation_id, ts_ms, model_requested_ref, cost_source_code, status_code, origin_code, backfill_code)
      VALUES ('forged', 'gen-forged', 1741478400000, (SELECT id FROM strings WHERE value = 'x/y'), 0, 0, 0, 3);
      UPDATE chain SET ts = ts + 1 WHERE seq = 2;`);
    const l = await open(dir);
    const kinds = (await l.verify()).problems.map((p) => [p.kind, p.kind === 'chain' ? p.seq : p.generationId]);
    assert.deepEqual(kinds.sort(), [['added', 'gen-forged'], ['chain', 2]].sort());
    await l.close();
  } finally {
    cleanup();
  }
});

test('cutting the newest rows together with their chain entries is caught by the recorded head', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    await tamper(dir, `DELETE FROM chain WHERE seq = (SELECT MAX(seq) FROM chain);
      DELETE FROM chain WHERE seq = (SELECT MAX(seq) FROM chain);
      DELETE FROM generations_packed WHERE generation_id = 'gen-5';`);
    const l = await open(dir);
    const report = await l.verify();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.kind === 'chain' && /cut off/.test(p.detail)), JSON.stringify(report.problems));
    await l.close();
  } finally {
    cleanup();
  }
});
