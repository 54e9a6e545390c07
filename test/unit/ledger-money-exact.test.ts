/**
 * Issue 9 item 6: money is exact. A real ledger takes 10,000 random inserts, backfills (cost
 * filled or changed later), updates and deletions by date; afterwards every rollup table read
 * from the saved ledger.sqlite equals a fresh SUM / COUNT over its raw rows exactly (integer
 * equality), and a period whose costs were all taken back to 0 shows exactly 0. The seed is
 * fixed and printed, so a failure can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs, type Database } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

const SEED = 20_261_201;
const OPERATIONS = 10_000;

/** mulberry32: a small deterministic generator, so the run is the same every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY = 86_400_000;
const START = Date.UTC(2025, 2, 1);
const DAYS = 40;

/** Amounts as the API and the estimates produce them: cents, nano-precise prices × tokens, and float noise. */
function amount(rand: () => number): number {
  const pick = rand();
  if (pick < 0.3) return [0.1, 0.2, 0.3, 0.7, 0.01, 0.07][Math.floor(rand() * 6)];
  if (pick < 0.7) return Math.floor(rand() * 50_000_000) / 1e9;
  if (pick < 0.95) return (Math.floor(rand() * 4000) + 1) * 0.0000375;
  return 0;
}

/** Epoch ms of a stored `ts`, whatever its storage (ISO text or integer ms). */
const TS_MS = `(CASE typeof(ts) WHEN 'integer' THEN ts ELSE CAST(strftime('%s', ts) AS INTEGER) * 1000 + CAST(substr(ts, 21, 3) AS INTEGER) END)`;
const DAY_SQL = `date(${TS_MS} / 1000, 'unixepoch')`;
const MODEL = 'COALESCE(model_used, model_requested)';
const ERRORS = `SUM(CASE WHEN status IN ('error','timeout') THEN 1 ELSE 0 END)`;
const TOKENS = 'TOTAL(prompt_tokens), TOTAL(completion_tokens), TOTAL(reasoning_tokens), TOTAL(cached_tokens)';
const COST = 'COALESCE(SUM(total_cost), 0)';
const ERROR_TYPE = `COALESCE(error_code, CASE WHEN http_status IS NOT NULL THEN 'HTTP ' || http_status ELSE status END)`;

/** [rollup query, the same figures from raw rows]: key columns first, then counts, tokens and cost. */
const COMPARISONS: Record<string, [string, string]> = {
  roll_slot: [
    'SELECT slot, requests, errors, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost FROM roll_slot ORDER BY 1',
    `SELECT ${TS_MS} / 900000, COUNT(*), ${ERRORS}, ${TOKENS}, ${COST} FROM generations GROUP BY 1 ORDER BY 1`,
  ],
  roll_hour: [
    'SELECT hour, requests, errors, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost FROM roll_hour ORDER BY 1',
    `SELECT ${TS_MS} / 3600000, COUNT(*), ${ERRORS}, ${TOKENS}, ${COST} FROM generations GROUP BY 1 ORDER BY 1`,
  ],
  roll_day_model: [
    'SELECT day, model, requests, errors, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost, latency_n FROM roll_day_model ORDER BY 1, 2',
    `SELECT ${DAY_SQL}, ${MODEL}, COUNT(*), ${ERRORS}, ${TOKENS}, ${COST}, COUNT(CASE WHEN status = 'success' THEN latency_ms END) FROM generations GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  roll_month_model: [
    'SELECT month, model, requests, errors, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost, latency_n FROM roll_month_model ORDER BY 1, 2',
    `SELECT substr(${DAY_SQL}, 1, 7), ${MODEL}, COUNT(*), ${ERRORS}, ${TOKENS}, ${COST}, COUNT(CASE WHEN status = 'success' THEN latency_ms END) FROM generations GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  'roll_day_dim user': [
    `SELECT day, k1, requests, errors, tokens, cost FROM roll_day_dim WHERE dim = 'user' ORDER BY 1, 2`,
    `SELECT ${DAY_SQL}, COALESCE(user_id, ''), COUNT(*), ${ERRORS}, TOTAL(prompt_tokens) + TOTAL(completion_tokens), ${COST} FROM generations GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  'roll_day_dim wsb': [
    `SELECT day, k1, k2, requests, errors, tokens, cost FROM roll_day_dim WHERE dim = 'wsb' ORDER BY 1, 2, 3`,
    `SELECT ${DAY_SQL}, COALESCE(workspace, ''), COALESCE(git_branch, ''), COUNT(*), ${ERRORS}, TOTAL(prompt_tokens) + TOTAL(completion_tokens), ${COST} FROM generations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  ],
  'roll_day_dim ses': [
    `SELECT day, k1, requests, errors, tokens, cost FROM roll_day_dim WHERE dim = 'ses' ORDER BY 1, 2`,
    `SELECT ${DAY_SQL}, COALESCE(chat_session, ''), COUNT(*), ${ERRORS}, TOTAL(prompt_tokens) + TOTAL(completion_tokens), ${COST} FROM generations GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  'roll_day_dim tag': [
    `SELECT day, k1, requests, errors, tokens, cost FROM roll_day_dim WHERE dim = 'tag' ORDER BY 1, 2`,
    `SELECT ${DAY_SQL}, t.value, COUNT(*), ${ERRORS}, TOTAL(prompt_tokens) + TOTAL(completion_tokens), ${COST}
      FROM generations, json_each(generations.tags) AS t WHERE generations.tags IS NOT NULL AND t.type = 'text' GROUP BY 1, 2 ORDER BY 1, 2`,
  ],
  'roll_day_dim err': [
    `SELECT day, k1, k2, requests, errors, tokens, cost FROM roll_day_dim WHERE dim = 'err' ORDER BY 1, 2, 3`,
    `SELECT ${DAY_SQL}, ${MODEL}, ${ERROR_TYPE}, COUNT(*), ${ERRORS}, TOTAL(prompt_tokens) + TOTAL(completion_tokens), ${COST}
      FROM generations WHERE status IN ('error','timeout') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  ],
};

const rows = (db: Database, sql: string) => db.exec(sql)[0]?.values ?? [];

test(`10,000 random inserts, backfills, updates and deletions leave every rollup equal to SUM over the rows, exactly (seed ${SEED})`, async (t) => {
  t.diagnostic(`seed ${SEED}`);
  const rand = random(SEED);
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const live: { uid: string; gid: string; ts: number }[] = [];
    let cutoff = START;
    let n = 0;
    const pickRow = () => live[Math.floor(rand() * live.length)];
    for (let op = 0; op < OPERATIONS; op++) {
      const p = rand();
      if (p < 0.5 || live.length < 20) {
        const ts = cutoff + Math.floor(rand() * (START + DAYS * DAY - cutoff));
        const gid = `gen-exact-${++n}`;
        const status = rand() < 0.1 ? 'error' : rand() < 0.05 ? 'timeout' : 'success';
        const costKnown = rand() < 0.9;
        const uid = await l.appendGeneration({
          generationId: gid, ts, modelRequested: `m/${Math.floor(rand() * 4)}`, modelUsed: rand() < 0.8 ? `m/${Math.floor(rand() * 5)}` : null,
          promptTokens: Math.floor(rand() * 5000), completionTokens: Math.floor(rand() * 2000), reasoningTokens: Math.floor(rand() * 100),
          cachedTokens: Math.floor(rand() * 300), totalCost: costKnown ? amount(rand) : null, costSource: 'usage', status,
          errorCode: status === 'error' ? (rand() < 0.5 ? 'rate_limited' : null) : null, httpStatus: status === 'error' ? 429 : null,
          latencyMs: Math.floor(rand() * 9000) + 50, userId: rand() < 0.8 ? `user-${Math.floor(rand() * 4)}` : null,
          workspace: `ws-${Math.floor(rand() * 3)}`, gitBranch: rand() < 0.7 ? 'main' : 'feature', chatSession: `s-${Math.floor(rand() * 30)}`,
          tags: rand() < 0.5 ? [`t${Math.floor(rand() * 3)}`, ...(rand() < 0.3 ? [`t${Math.floor(rand() * 3)}`] : [])] : null,
        });
        live.push({ uid, gid, ts });
      } else if (p < 0.75) {
        // The backfill from /generation: the exact cost arrives (or changes) later.
        await l.completeFromGeneration(pickRow().gid, { totalCost: amount(rand), completionTokens: Math.floor(rand() * 2000) });
      } else if (p < 0.995) {
        const target = pickRow();
        await l.updateGeneration({ uid: target.uid }, rand() < 0.2
          ? { totalCost: null }
          : { totalCost: amount(rand), modelUsed: `m/${Math.floor(rand() * 5)}`, status: rand() < 0.2 ? 'error' : 'success', userId: `user-${Math.floor(rand() * 4)}` });
      } else {
        // Retention / "delete before", cutting through a day (rollups straddling the cutoff lose part of their rows).
        cutoff = Math.min(cutoff + Math.floor(rand() * 3 * DAY), START + (DAYS - 5) * DAY);
        await l.deleteBefore(cutoff);
        for (let i = live.length - 1; i >= 0; i--) if (live[i].ts < cutoff) live.splice(i, 1);
      }
    }

    // One day emptied of cost: every row of it taken back to $0 (zero, not −1e-17).
    const lastDay = START + (DAYS - 1) * DAY;
    const emptied = live.filter((r) => r.ts >= lastDay);
    assert.ok(emptied.length > 10);
    for (const r of emptied) await l.updateGeneration({ uid: r.uid }, { totalCost: 0 });
    const day = l.queries.summary({ from: lastDay, to: lastDay + DAY });
    assert.equal(day.requests, emptied.length);
    assert.ok(Object.is(day.cost, 0), `an emptied day costs exactly 0, got ${day.cost}`);
    const dims = [...l.queries.byUser({ from: lastDay, to: lastDay + DAY }), ...l.queries.bySession({ from: lastDay, to: lastDay + DAY })];
    for (const g of dims) assert.ok(Object.is(g.cost, 0), `an emptied day's group costs exactly 0, got ${g.cost}`);
    await l.close();

    const SQL = await loadSqlJs(WASM_PATH);
    const db = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    try {
      assert.equal(rows(db, 'SELECT COUNT(*) FROM generations')[0][0], live.length);
      for (const [table, [rollup, raw]] of Object.entries(COMPARISONS)) {
        const kept = rows(db, rollup);
        assert.ok(kept.length > 0, `${table} has rows`);
        assert.deepEqual(kept, rows(db, raw), `${table} equals SUM/COUNT over the raw rows, exactly`);
      }
      // Every stored amount is a whole number: the sums above are integer sums.
      assert.deepEqual(rows(db, `SELECT DISTINCT typeof(total_cost) FROM generations ORDER BY 1`), [['integer'], ['null']]);
    } finally {
      db.close();
    }
  } finally {
    cleanup();
  }
});

test('exports print exact decimal amounts, and sums are exact: 0.1 + 0.2 is 0.3', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const at = Date.UTC(2025, 5, 1, 12);
    const costs: [number, number | null][] = [[0.1, null], [0.2, -0.000001], [1e-9, null], [123456.789012345, 0]];
    for (const [i, [totalCost, cacheDiscount]] of costs.entries()) {
      await l.appendGeneration({ generationId: `exact-${i}`, ts: at + i, modelRequested: 'm/a', totalCost, cacheDiscount, costSource: 'usage', status: 'success' });
    }
    const sum = l.queries.summary({ from: at, to: at + 2 });
    assert.ok(Object.is(sum.cost, 0.3), `0.1 + 0.2 = ${sum.cost}`);

    const csvPath = path.join(dir, 'out.csv');
    await l.exportRange('csv', { from: at, to: at + 10 }, csvPath);
    const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\r\n');
    const columns = header.split(',').map((c) => JSON.parse(c) as string);
    const cell = (line: string, column: string) => line.split(',')[columns.indexOf(column)];
    assert.deepEqual(lines.map((line) => cell(line, 'total_cost')), ['0.1', '0.2', '0.000000001', '123456.789012345']);
    assert.deepEqual(lines.map((line) => cell(line, 'cache_discount')), ['', '-0.000001', '', '0']);

    const jsonPath = path.join(dir, 'out.json');
    await l.exportRange('json', { from: at, to: at + 10 }, jsonPath);
    const exported = JSON.parse(readFileSync(jsonPath, 'utf8')) as { rows: { total_cost: number; cache_discount: number | null }[] };
    assert.deepEqual(exported.rows.map((r) => [r.total_cost, r.cache_discount]), [[0.1, null], [0.2, -0.000001], [1e-9, null], [123456.789012345, 0]]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('sums past 2^63 nano-dollars still answer (SQLite\'s integer SUM would fail with "integer overflow")', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const day = Date.UTC(2025, 5, 1);
    // 1,100 requests of $9,000,000 (just under the per-request maximum) over 18 hours: $9.9 billion in all.
    await Promise.all(Array.from({ length: 1_100 }, (_, i) => l.appendGeneration(row({ generationId: `huge-${i}`, totalCost: 9_000_000, ts: day + i * 60_000 }))));
    const totals = l.queries.summary({ from: day, to: day + 86_400_000 });
    assert.equal(totals.requests, 1_100);
    assert.equal(totals.cost, 9_900_000_000);
    assert.equal(l.queries.byModel({ from: day, to: day + 86_400_000 }).reduce((sum, m) => sum + m.cost, 0), 9_900_000_000);
    await l.close();
  } finally {
    cleanup();
  }
});
