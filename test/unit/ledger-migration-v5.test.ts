/**
 * Schema v5 (money as whole nano-dollars) on a real v4 ledger: `fixtures/ledger-v4` was written
 * through the public API by the schema-v4 code (fixtures/ledger-v4/make.ts says how), together with
 * every answer that code gave. After the migration every answer is the same, amounts to the
 * nano-dollar; the chain still verifies; and damage done before the upgrade is still reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_VERSION } from '../../src/ledger/schema';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { ledgerAnswers } from './helpers/ledgerAnswers';
import { open, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

const FIXTURE = path.join(__dirname, 'fixtures', 'ledger-v4');
const MONEY = new Set(['cost', 'total_cost', 'upstream_inference_cost', 'cache_discount', 'usage', 'byokUsage']);
/** Quotients of money (or of counts) the v4 code computed from float sums: equal up to the last bits. */
const RATIOS = new Set(['costShare', 'avgCostPerRequest', 'requestShare']);

/** Compares answers: amounts to the nano-dollar (v5 holds exactly the nano-dollars v4's float rounds to), the rest exactly. */
function sameAnswer(v4: unknown, v5: unknown, where: string, key = ''): void {
  if (typeof v4 === 'number' && typeof v5 === 'number') {
    if (MONEY.has(key)) {
      // v4's float, rounded to whole nano-dollars, is what v5 holds (and v5's number is that exact decimal's double).
      assert.equal(v5, Math.round(v4 * 1e9) / 1e9, `${where}: ${v5} is ${v4} to the nano-dollar`);
    } else if (RATIOS.has(key)) {
      assert.ok(Math.abs(v5 - v4) <= 1e-12 * Math.max(1, Math.abs(v4)), `${where}: ${v5} ≈ ${v4}`);
    } else {
      assert.equal(v5, v4, where);
    }
    return;
  }
  if (Array.isArray(v4) && Array.isArray(v5)) {
    assert.equal(v5.length, v4.length, `${where}: length`);
    v4.forEach((x, i) => sameAnswer(x, v5[i], `${where}[${i}]`, key));
    return;
  }
  if (v4 && v5 && typeof v4 === 'object' && typeof v5 === 'object') {
    assert.deepEqual(Object.keys(v5).sort(), Object.keys(v4).sort(), `${where}: fields`);
    for (const k of Object.keys(v4)) sameAnswer((v4 as Record<string, unknown>)[k], (v5 as Record<string, unknown>)[k], `${where}.${k}`, k);
    return;
  }
  assert.deepEqual(v5, v4, where);
}

function copyFixture(): { dir: string; cleanup: () => void } {
  const t = tempDir('ledger-v4-');
  cpSync(path.join(FIXTURE, 'ledger'), t.dir, { recursive: true });
  return t;
}

test('a v4 ledger migrated to v5 answers every query as before, amounts to the nano-dollar, and still verifies', async () => {
  const { generationIds, answers } = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as { generationIds: string[]; answers: Record<string, unknown> };
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = copyFixture();
  try {
    const before = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    assert.equal(before.exec('SELECT version FROM schema_version')[0].values[0][0], 4, 'the fixture is a v4 file');
    before.close();

    const l = await open(dir);
    const after = await ledgerAnswers(l.queries, generationIds);
    assert.deepEqual(Object.keys(after), Object.keys(answers));
    for (const name of Object.keys(answers)) sameAnswer(answers[name], after[name], name);
    const report = await l.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    await l.close();

    const saved = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    try {
      assert.equal(saved.exec('SELECT version FROM schema_version')[0].values[0][0], SCHEMA_VERSION);
      for (const [table, column] of [['generations', 'total_cost'], ['generations', 'cache_discount'], ['roll_hour', 'cost'], ['roll_day_dim', 'cost'], ['activity_daily', 'usage']]) {
        const types = saved.exec(`SELECT DISTINCT typeof(${column}) FROM ${table} WHERE ${column} IS NOT NULL`)[0].values.map((v) => v[0]);
        assert.deepEqual(types, ['integer'], `${table}.${column} holds whole nano-dollars`);
      }
    } finally {
      saved.close();
    }
  } finally {
    cleanup();
  }
});

test('a row edited and a chain entry altered before the upgrade are still reported after it', async () => {
  const SQL = await loadSqlJs(WASM_PATH);
  const { dir, cleanup } = copyFixture();
  try {
    const file = path.join(dir, 'ledger.sqlite');
    const db = new SQL.Database(readFileSync(file));
    const [edited] = db.exec("SELECT generation_id FROM generations WHERE total_cost IS NOT NULL ORDER BY id LIMIT 1")[0].values[0] as [string];
    db.run('UPDATE generations SET total_cost = total_cost + 1 WHERE generation_id = ?', [edited]);
    const [seq] = db.exec('SELECT seq FROM chain WHERE seq > 20 ORDER BY seq LIMIT 1')[0].values[0] as [number];
    db.run('UPDATE chain SET ts = ts + 1 WHERE seq = ?', [seq]);
    writeFileSync(file, db.export());
    db.close();

    const l = await open(dir);
    const report = await l.verify();
    const found = report.problems.map((p) => [p.kind, p.kind === 'chain' ? p.seq : p.generationId]);
    assert.deepEqual(found, [['chain', seq], ['altered', edited]]);
    await l.close();
  } finally {
    cleanup();
  }
});

