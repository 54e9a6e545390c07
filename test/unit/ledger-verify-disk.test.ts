import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LedgerDb } from '../../src/ledger/apply';
import { chainHead, entryHash } from '../../src/ledger/chain';
import { GENERATION_COLUMNS, rowHash } from '../../src/ledger/normalize';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';
import { openInThread } from './helpers/ledgerThread';

/** A real SQLite write on a copy of ledger.sqlite, renamed over it — what an SQLite tool or a sync client does. */
async function editOnDisk(dir: string, sql: string): Promise<void> {
  const SQL = await loadSqlJs(WASM_PATH);
  const file = path.join(dir, 'ledger.sqlite');
  const db = new SQL.Database(readFileSync(file));
  db.exec(sql);
  writeFileSync(`${file}.edited`, db.export());
  db.close();
  renameSync(`${file}.edited`, file);
}

test('verify reports a row edited in ledger.sqlite while the ledger is open, naming the column', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { ledger } = await openInThread(dir);
    for (let i = 1; i <= 4; i++) await ledger.appendGeneration(row({ generationId: `disk-${i}`, totalCost: 0.125 }));
    await ledger.flush();
    assert.equal((await ledger.verify()).ok, true);

    await editOnDisk(dir, "UPDATE generations_packed SET total_cost = 0 WHERE generation_id = 'disk-3'");
    const report = await ledger.verify();
    assert.equal(report.ok, false);
    assert.equal(report.problems.length, 1, JSON.stringify(report.problems));
    const [p] = report.problems;
    assert.equal(p.kind, 'altered');
    assert.equal(p.generationId, 'disk-3');
    assert.ok(p.uid);
    assert.deepEqual(p.columns, [{ column: 'total_cost', recorded: 0.125, found: 0 }]);
    assert.match(p.detail, /total_cost is 0 in the file, 0\.125 as recorded/);

    await editOnDisk(dir, "DELETE FROM generations_packed WHERE generation_id = 'disk-1'");
    const kinds = (await ledger.verify()).problems.map((q) => [q.kind, q.generationId]).sort();
    assert.deepEqual(kinds, [['altered', 'disk-3'], ['removed', 'disk-1']]);
    await ledger.close();
  } finally {
    cleanup();
  }
});

test('rows still only in the journals are verified too, and a damaged file is reported, not moved', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir, { snapshotDelayMs: 60_000, maxSnapshotDelayMs: 60_000 });
    await l.appendGeneration(row({ generationId: 'snap' }));
    await l.flush();
    await l.appendGeneration(row({ generationId: 'journal-only' }));
    const report = await l.verify();
    assert.equal(report.ok, true);
    assert.equal(report.rowsChecked, 2, 'the snapshot row and the journal row');

    writeFileSync(path.join(dir, 'ledger.sqlite'), 'not a database at all, just text long enough to be read as a header. '.repeat(4));
    const damaged = await l.verify();
    assert.equal(damaged.ok, false);
    assert.equal(damaged.problems[0].kind, 'file');
    assert.match(damaged.problems[0].detail, /ledger\.sqlite is damaged: not an SQLite file/);
    assert.match(readFileSync(path.join(dir, 'ledger.sqlite'), 'utf8'), /^not a database/, 'verification never moves or rewrites a file');
    await l.close();
  } finally {
    cleanup();
  }
});

test('two windows that applied the same rows in different orders compute the same chain head', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const slow = { pollIntervalMs: 60_000, snapshotDelayMs: 60_000, maxSnapshotDelayMs: 60_000 };
    const a = await open(dir, slow);
    const b = await open(dir, slow);
    await a.appendGeneration(row({ generationId: 'a-1' }));
    await b.appendGeneration(row({ generationId: 'b-1' }));
    await a.refresh();
    await b.refresh();
    await a.appendGeneration(row({ generationId: 'a-2' }));
    await b.refresh();
    // Each window's own database chained its own row first: their in-memory chains differ.
    const memoryHead = (l: object) => chainHead((l as unknown as { ldb: LedgerDb }).ldb.db);
    assert.notDeepEqual(memoryHead(a), memoryHead(b));

    const [ra, rb] = [await a.verify(), await b.verify()];
    assert.equal(ra.ok && rb.ok, true, JSON.stringify([ra.problems, rb.problems]));
    assert.equal(ra.rowsChecked, 3);
    assert.ok(ra.head);
    assert.deepEqual(ra.head, rb.head);

    await a.flush(); // a snapshot, in a's order
    const [sa, sb] = [await a.verify(), await b.verify()];
    assert.equal(sa.ok && sb.ok, true);
    assert.deepEqual(sa.head, sb.head);
    await Promise.all([a.close(), b.close()]);
  } finally {
    cleanup();
  }
});

test('a chain rewritten in the file is reported against ledger.head, whatever the file says about an upgrade', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    for (let i = 1; i <= 3; i++) await l.appendGeneration(row({ generationId: `rw-${i}`, totalCost: 0.5 }));
    await l.close();
    const recorded = JSON.parse(readFileSync(path.join(dir, 'ledger.head'), 'utf8')) as { seq: number; hash: string };

    // The attacker's edit: a cost set to 0, that row's hash and every chain entry after it recomputed
    // (plain SHA-256, no secret), and a record claiming a migration's re-link mapped the recorded head.
    const SQL = await loadSqlJs(WASM_PATH);
    const file = path.join(dir, 'ledger.sqlite');
    const db = new SQL.Database(readFileSync(file));
    db.run("UPDATE generations_packed SET total_cost = 0 WHERE generation_id = 'rw-2'");
    const values = db.exec(`SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations WHERE generation_id = 'rw-2'`)[0].values[0];
    const entries = db.exec('SELECT seq, kind, uid, ts, row_hash FROM chain ORDER BY seq')[0].values;
    let prev: Uint8Array | null = null;
    for (const [seq, kind, uid, ts, rowHashValue] of entries) {
      const newRow = uid === values[0] ? rowHash(values) : (rowHashValue as Uint8Array);
      prev = entryHash(prev, seq as number, kind as number, uid as string, ts as number, newRow);
      db.run('UPDATE chain SET row_hash = ?, hash = ? WHERE seq = ?', [newRow, prev, seq as number]);
    }
    const forged = JSON.stringify({ seq: recorded.seq, before: recorded.hash, after: Buffer.from(prev as Uint8Array).toString('hex') });
    db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('chain_rehash', ?)", [forged]);
    db.exec('CREATE TABLE IF NOT EXISTS chain_rehash (value TEXT NOT NULL)');
    db.run('INSERT INTO chain_rehash (value) VALUES (?)', [forged]);
    writeFileSync(file, db.export());
    db.close();

    const reopened = await open(dir);
    const report = await reopened.verify();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.kind === 'chain' && /differs from the head recorded at the last save/.test(p.detail)), JSON.stringify(report.problems));
    await reopened.close();
  } finally {
    cleanup();
  }
});
