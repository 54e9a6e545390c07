import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ledgerModule from '../../src/ledger';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { tempDir, WASM_PATH } from './helpers/ledgerFixtures';

const sqlJsLoaded = () => Object.keys(require.cache).some((m) => m.includes(`${path.sep}sql.js${path.sep}`));

test('importing the ledger does not load sql.js (activation stays cheap)', () => {
  assert.equal(typeof ledgerModule.openLedger, 'function');
  assert.equal(sqlJsLoaded(), false);
});

test('a missing or bad WASM file fails clearly, and a later call with the right path still works', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(loadSqlJs(path.join(dir, 'missing.wasm')), /Cannot read the SQLite engine \(sql-wasm\.wasm\)/);
    const bogus = path.join(dir, 'bogus.wasm');
    writeFileSync(bogus, 'not wasm');
    await assert.rejects(loadSqlJs(bogus), /not a valid WebAssembly file/);
    assert.equal(sqlJsLoaded(), false, 'sql.js was never initialised with the bad bytes');
    const SQL = await loadSqlJs(WASM_PATH);
    assert.equal(sqlJsLoaded(), true);
    const db = new SQL.Database();
    assert.deepEqual(db.exec('SELECT 1 + 1')[0].values, [[2]]);
    db.close();
    assert.equal(await loadSqlJs('/elsewhere/sql-wasm.wasm'), SQL, 'later calls share the loaded engine');
  } finally {
    cleanup();
  }
});
