import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

/** Edits ledger.sqlite behind the ledger's back, as someone with an SQLite tool would. */
async function tamper(dir: string, sql: string): Promise<void> {
  const SQL = await loadSqlJs(WASM_PATH);
  const file = path.join(dir, 'ledger.sqlite');
  const db = new SQL.Database(readFileSync(file));
  db.exec(sql);
  writeFileSync(file, db.export());
  db.close();
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
    await tamper(dir, "UPDATE generations SET total_cost = 0 WHERE generation_id = 'gen-3'");
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
    await tamper(dir, "DELETE FROM generations WHERE generation_id = 'gen-4'");
    const l = await open(dir);
    const report = await l.verify();
    assert.deepEqual(report.problems.map((p) => [p.kind, p.generationId]), [['removed', 'gen-4']]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('verify reports a row slipped into the file and an edited chain entry', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ledgerWithRows(dir);
    await tamper(dir, `INSERT INTO generations (uid, generation_id, ts, model_requested, cost_source, status)
      VALUES ('forged', 'gen-forged', '2025-03-09T00:00:00.000Z', 'x/y', 'usage', 'success');
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
      DELETE FROM generations WHERE generation_id = 'gen-5';`);
    const l = await open(dir);
    const report = await l.verify();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.kind === 'chain' && /cut off/.test(p.detail)), JSON.stringify(report.problems));
    await l.close();
  } finally {
    cleanup();
  }
});
