import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { csvField, neutralizeCell } from '../../src/ledger/exporter';
import { GENERATION_COLUMNS } from '../../src/ledger/normalize';
import { open, row, tempDir } from './helpers/ledgerFixtures';

/** A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else if (text[i] === ',') (fields.push(field), (field = '')), i++;
    else if (text[i] === '\r' && text[i + 1] === '\n') (fields.push(field), records.push(fields), (fields = []), (field = '')), (i += 2);
    else field += text[i++];
  }
  return records;
}

const HOSTILE = ['=HYPERLINK("http://evil","x")', '+1+2', '-2+3', '@SUM(A1)', '\tindent', '\rreturn', 'a,"b"', 'two\r\nlines', 'plain|pipe <b>'];

test('CSV export quotes per RFC 4180 and defuses cells a spreadsheet would run as formulas', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    for (const [i, name] of HOSTILE.entries()) await l.appendGeneration(row({ modelRequested: name, modelUsed: name, ts: Date.UTC(2025, 0, 1, 0, i) }));
    const out = path.join(dir, 'out.csv');
    const result = await l.exportRange('csv', {}, out);
    assert.equal(result.rows, HOSTILE.length);
    const records = parseCsv(readFileSync(out, 'utf8'));
    assert.deepEqual(records[0], [...GENERATION_COLUMNS]);
    const modelColumn = GENERATION_COLUMNS.indexOf('model_used');
    assert.deepEqual(records.slice(1).map((r) => r[modelColumn]), HOSTILE.map(neutralizeCell));
    for (const r of records.slice(1)) assert.equal(r.length, GENERATION_COLUMNS.length);
    assert.equal(neutralizeCell('=1+1'), "'=1+1");
    assert.equal(csvField('-5'), `"'-5"`, 'text is always quoted (";" locales), and defused');
    assert.equal(csvField(-5), '-5', 'numbers are written by the ledger and stay numbers');
    assert.equal(csvField('say "hi", ok'), '"say ""hi"", ok"');
    await l.close();
  } finally {
    cleanup();
  }
});

test('JSON export holds exactly the rows of the range, in time order, read in small batches with progress', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const same = Date.UTC(2025, 0, 2);
    for (let i = 0; i < 7; i++) await l.appendGeneration(row({ generationId: `in-${i}`, ts: same + (i < 4 ? 0 : i), tags: ['t'], streamed: true }));
    await l.appendGeneration(row({ generationId: 'before', ts: Date.UTC(2024, 11, 31) }));
    await l.appendGeneration(row({ generationId: 'after', ts: Date.UTC(2025, 0, 3) }));
    const progress: [number, number][] = [];
    const out = path.join(dir, 'out.json');
    await l.exportRange('json', { from: '2025-01-01T00:00:00Z', to: '2025-01-03T00:00:00Z' }, out, { batchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(doc.format, 'openrouter-ledger');
    assert.deepEqual(doc.range, { from: '2025-01-01T00:00:00.000Z', to: '2025-01-03T00:00:00.000Z' }, 'the header names the range in ISO-8601');
    assert.deepEqual(doc.rows.map((r: { generation_id: string }) => r.generation_id).sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `in-${i}`).sort());
    const times = doc.rows.map((r: { ts: string }) => r.ts);
    assert.deepEqual(times, [...times].sort());
    assert.deepEqual(doc.rows[0].tags, ['t']);
    assert.equal(doc.rows[0].streamed, true);
    assert.deepEqual(progress, [[3, 7], [6, 7], [7, 7]]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('no export format ever contains an API key', async () => {
  const { dir, cleanup } = tempDir();
  const key = 'sk-or-v1-fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432';
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ keyLabel: key, promptText: `Authorization: Bearer ${key}`, modelUsed: `m ${key}` }));
    for (const format of ['csv', 'json', 'markdown'] as const) {
      const out = path.join(dir, `out.${format}`);
      await l.exportRange(format, {}, out);
      const text = readFileSync(out, 'utf8');
      assert.equal(text.includes(key), false, format);
      assert.equal(text.includes(key.slice(9, 30)), false, `${format}: not even a fragment`);
    }
    await l.close();
  } finally {
    cleanup();
  }
});

test('the Markdown report has the summary, per-model and daily tables, with hostile names escaped', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ modelUsed: 'evil|model', ts: '2025-02-01T10:00:00Z', totalCost: 0.5 }));
    await l.appendGeneration(row({ modelUsed: 'good/model', ts: '2025-02-03T10:00:00Z', totalCost: 0.25, status: 'error' }));
    const out = path.join(dir, 'report.md');
    await l.exportRange('markdown', { from: '2025-02-01T00:00:00Z', to: '2025-02-04T00:00:00Z' }, out);
    const md = readFileSync(out, 'utf8');
    assert.match(md, /## Summary/);
    assert.match(md, /\| 2 \| 1 \| 50\.0% \|/);
    assert.match(md, /\| evil\\\|model \| 1 \|/);
    assert.match(md, /\| 2025-02-02 \| 0 \| 0 \| \$0\.00 \| 0 \|/);
    for (const line of md.split('\n').filter((x) => x.startsWith('| evil'))) assert.equal(line.split(/(?<!\\)\|/).length, 10);
    await l.close();
  } finally {
    cleanup();
  }
});

test('a cancelled export leaves neither the target nor a partial file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    for (let i = 0; i < 5; i++) await l.appendGeneration(row());
    const abort = new AbortController();
    const out = path.join(dir, 'cancelled.csv');
    await assert.rejects(l.exportRange('csv', {}, out, { batchSize: 2, signal: abort.signal, onProgress: () => abort.abort() }), /cancelled/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('cancelled')), []);
    await l.close();
  } finally {
    cleanup();
  }
});
