import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseJsonl } from '../../src/ledger/importer';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

const usageLine = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ts: '2025-01-15T10:30:00Z', model: 'google/gemini-2.0-flash-001', prompt_tokens: 1500, completion_tokens: 500, cost: 0.0025, id, ...extra });

/** The Python audit logger's table, as its init_audit_db() creates it. */
async function auditDb(file: string, rows: unknown[][]): Promise<void> {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database();
  db.exec(`CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, generation_id TEXT UNIQUE NOT NULL,
    model_requested TEXT NOT NULL, model_used TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER, total_cost REAL,
    latency_ms REAL, status TEXT NOT NULL, user_id TEXT, prompt_hash TEXT, error_code TEXT)`);
  const insert = db.prepare(`INSERT INTO audit_log (timestamp, generation_id, model_requested, model_used, prompt_tokens, completion_tokens,
    total_cost, latency_ms, status, user_id, prompt_hash, error_code) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`);
  for (const r of rows) insert.run(r as never);
  insert.free();
  writeFileSync(file, db.export());
  db.close();
}

test('a usage.jsonl imports every record once; ids already in the ledger or earlier in the file are skipped', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ generationId: 'gen-known' }));
    const file = path.join(dir, 'usage.jsonl');
    writeFileSync(file, ['\uFEFF' + usageLine('gen-a'), usageLine('gen-b', { model: 'anthropic/claude-3.5-sonnet', cost: 0.015 }), '', usageLine('gen-a'), usageLine('gen-known'), ''].join('\r\n'));
    const report = await l.importFile(file);
    assert.deepEqual({ ...report, rejected: report.rejected.length }, { format: 'jsonl', imported: 2, skipped: 2, rejected: 0, rejectedCount: 0, applied: true });
    const byId = Object.fromEntries(l.queries.recent(10).map((r) => [r.generation_id, r]));
    assert.equal(byId['gen-b'].model_used, 'anthropic/claude-3.5-sonnet');
    assert.equal(byId['gen-b'].total_cost, 0.015);
    assert.equal(byId['gen-a'].ts, '2025-01-15T10:30:00.000Z');
    assert.equal(byId['gen-a'].origin, 'import');
    assert.equal(byId['gen-a'].cost_source, 'usage');
    assert.equal(byId['gen-a'].backfill, 'none');
    assert.deepEqual(await l.importFile(file).then((r) => [r.imported, r.skipped]), [0, 4], 'a second import adds nothing');
    await l.close();
  } finally {
    cleanup();
  }
});

test('a file with an invalid record changes nothing and says which lines and why', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const file = path.join(dir, 'usage.jsonl');
    writeFileSync(file, [usageLine('gen-1'), '{"ts":"2025-01-15T10:30:00Z","model":"x"', usageLine('gen-3', { cost: -1 }), usageLine('gen-4', { ts: 'last tuesday' }), usageLine('', {})].join('\n'));
    const report = await l.importFile(file);
    assert.equal(report.applied, false);
    assert.equal(report.imported, 0);
    assert.deepEqual(report.rejected, [
      { line: 2, reason: 'not valid JSON' },
      { line: 3, reason: '"cost" must be a number ≥ 0' },
      { line: 4, reason: '"ts" is not a valid ISO-8601 date-time' },
      { line: 5, reason: '"id" is missing' },
    ]);
    assert.equal(l.rowCount(), 0);
    const partial = await l.importFile(file, { skipInvalid: true });
    assert.deepEqual([partial.applied, partial.imported, partial.rejectedCount], [true, 1, 4]);
    assert.equal(l.rowCount(), 1);
    await l.close();
  } finally {
    cleanup();
  }
});

test('an audit_log SQLite file imports with its statuses, latencies and Python timestamps', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'openrouter_audit.db');
    await auditDb(file, [
      ['2025-01-15T10:30:00.123456+00:00', 'gen-s1', 'openai/gpt-4o', 'openai/gpt-4o-2024-08-06', 100, 20, 0.002, 812.5, 'success', 'alice', 'abcd1234abcd1234', null],
      ['2025-01-15T12:30:00+02:00', 'gen-s2', 'anthropic/claude-3.5-sonnet', 'anthropic/claude-3.5-sonnet', null, null, null, 90.1, 'error', 'bob', null, 'RateLimitError'],
    ]);
    const l = await open(dir);
    const report = await l.importFile(file);
    assert.deepEqual([report.format, report.imported, report.applied], ['sqlite', 2, true]);
    const byId = Object.fromEntries(l.queries.recent(10).map((r) => [r.generation_id, r]));
    assert.equal(byId['gen-s1'].ts, '2025-01-15T10:30:00.123Z');
    assert.equal(byId['gen-s1'].model_used, 'openai/gpt-4o-2024-08-06');
    assert.equal(byId['gen-s1'].latency_ms, 812.5);
    assert.equal(byId['gen-s1'].cost_source, 'generation');
    assert.equal(byId['gen-s2'].ts, '2025-01-15T10:30:00.000Z');
    assert.equal(byId['gen-s2'].status, 'error');
    assert.equal(byId['gen-s2'].error_code, 'RateLimitError');
    assert.deepEqual(l.queries.errors('all').byType, [{ type: 'RateLimitError', count: 1 }]);
    assert.equal((await l.importFile(file)).skipped, 2);
    await l.close();
  } finally {
    cleanup();
  }
});

test('an audit_log row with an unknown status rejects the file; a database without audit_log is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bad = path.join(dir, 'bad.db');
    await auditDb(bad, [
      ['2025-01-15T10:30:00Z', 'gen-ok', 'm/a', 'm/a', 1, 1, 0.1, 1, 'success', null, null, null],
      ['2025-01-15T10:30:00Z', 'gen-odd', 'm/a', 'm/a', 1, 1, 0.1, 1, 'exploded', null, null, null],
    ]);
    const SQL = await loadSqlJs(WASM_PATH);
    const other = new SQL.Database();
    other.exec('CREATE TABLE something_else (x)');
    writeFileSync(path.join(dir, 'other.db'), other.export());
    other.close();
    const l = await open(dir);
    const report = await l.importFile(bad);
    assert.equal(report.applied, false);
    assert.deepEqual(report.rejected, [{ row: 2, reason: '"status" must be one of success, error, timeout, cancelled' }]);
    const refused = await l.importFile(path.join(dir, 'other.db'));
    assert.deepEqual([refused.applied, refused.rejected[0].reason], [false, 'The SQLite file has no audit_log table.']);
    const binary = path.join(dir, 'noise.bin');
    writeFileSync(binary, Buffer.from([0, 1, 2, 255, 10, 200, 13, 10]));
    assert.equal((await l.importFile(binary)).applied, false);
    assert.equal((await l.importFile(path.join(dir, 'missing.jsonl'))).applied, false);
    assert.equal(l.rowCount(), 0);
    await l.close();
  } finally {
    cleanup();
  }
});

test('an import made in one window appears in another and survives a restart', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await open(dir);
    const b = await open(dir);
    const file = path.join(dir, 'usage.jsonl');
    writeFileSync(file, [usageLine('gen-x1'), usageLine('gen-x2')].join('\n'));
    await a.importFile(file);
    await b.refresh();
    assert.equal(b.rowCount(), 2);
    assert.equal((await b.importFile(file)).imported, 0, 'the other window knows those ids now');
    await a.close();
    await b.close();
    const c = await open(dir);
    assert.equal(c.rowCount(), 2);
    await c.close();
  } finally {
    cleanup();
  }
});

const validRecord = fc.record({
  ts: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  model: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.length > 0),
  prompt_tokens: fc.nat(1e7),
  completion_tokens: fc.nat(1e7),
  cost: fc.double({ min: 0, max: 1e3, noNaN: true }),
  id: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.length > 0),
});

test('import parsing accepts every well-formed record unchanged and rejects junk lines without throwing', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(validRecord.map((r) => ({ r })), fc.string({ unit: 'binary' }).map((junk) => ({ junk }))), { maxLength: 30 }), (items) => {
      const lines = items.map((i) => ('r' in i ? JSON.stringify(i.r) : i.junk.replace(/[\r\n]/g, ' ')));
      const parsed = parseJsonl(lines.join('\n'));
      const nonBlank = lines.filter((line) => line.trim()).length;
      if (!nonBlank) return assert.ok(parsed.fatal);
      assert.equal(parsed.rows.length + parsed.rejectedCount, nonBlank);
      for (const [i, item] of items.entries()) {
        if (!('r' in item)) continue;
        const stored = parsed.rows.find((r) => r.generation_id === item.r.id && r.ts === item.r.ts && r.model_requested === item.r.model);
        assert.ok(stored, `valid line ${i + 1} was not imported`);
        assert.equal(stored.prompt_tokens, item.r.prompt_tokens);
        assert.equal(stored.completion_tokens, item.r.completion_tokens);
        assert.equal(stored.total_cost, item.r.cost === 0 ? 0 : item.r.cost);
      }
    }),
  );
});

test('the cost tracker’s documented example lines import exactly', () => {
  const parsed = parseJsonl([
    '{"ts":"2025-01-15T10:30:00Z","model":"google/gemini-2.0-flash-001","prompt_tokens":1500,"completion_tokens":500,"cost":0.0025,"id":"gen-xxx"}',
    '{"ts":"2025-01-15T11:00:00Z","model":"anthropic/claude-3.5-sonnet","prompt_tokens":2000,"completion_tokens":1000,"cost":0.015,"id":"gen-yyy"}',
  ].join('\n'));
  assert.deepEqual(parsed.rows.map((r) => [r.generation_id, r.model_requested, r.prompt_tokens, r.completion_tokens, r.total_cost]), [
    ['gen-xxx', 'google/gemini-2.0-flash-001', 1500, 500, 0.0025],
    ['gen-yyy', 'anthropic/claude-3.5-sonnet', 2000, 1000, 0.015],
  ]);
});
