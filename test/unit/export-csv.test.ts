/**
 * Issue 9 item 9: a CSV export is safe in every spreadsheet locale. Excel and LibreOffice split on
 * `;` where the decimal mark is a comma; an unquoted `main;=HYPERLINK(…)` then becomes a formula
 * cell. Every text cell is quoted and formula-like text keeps its leading apostrophe. The test
 * reads the exported bytes as a `;` locale and as a `,` locale would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GENERATION_COLUMNS } from '../../src/ledger/normalize';
import { open, row, tempDir } from './helpers/ledgerFixtures';

/** RFC 4180 fields with any separator, as a spreadsheet in that locale reads them. */
function readAs(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) fields.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') fields.push(field), records.push(fields), (fields = []), (field = ''), i++;
    else field += c;
  }
  return records;
}

const FORMULA = /^[=+\-@\t\r]/;

test('no branch, model or tag can become a formula cell, whether the spreadsheet splits on ";" or ","', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const hostile = 'main;=HYPERLINK("http://evil.example","click")';
    await l.appendGeneration(row({ gitBranch: hostile, modelUsed: 'vendor/model;+1+2', tags: ['x;@SUM(A1)'], workspace: 'ws,-3+4' }));
    const out = path.join(dir, 'out.csv');
    await l.exportRange('csv', {}, out);
    const text = readFileSync(out, 'utf8');
    for (const separator of [';', ',']) {
      const records = readAs(text, separator);
      for (const record of records) {
        for (const cell of record) assert.ok(!FORMULA.test(cell), `a "${separator}" locale would read a formula cell: ${cell}`);
      }
    }
    const fields = readAs(text, ',');
    assert.equal(fields[1].length, GENERATION_COLUMNS.length, 'one field per column');
    assert.equal(fields[1][GENERATION_COLUMNS.indexOf('git_branch')], hostile, 'text that does not start a formula is kept as typed');
    await l.close();
  } finally {
    cleanup();
  }
});

test('every text cell is quoted in the exported bytes; numbers and empty cells are not', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ gitBranch: 'main', promptTokens: 100, totalCost: 0.001, workspace: null }));
    const out = path.join(dir, 'out.csv');
    await l.exportRange('csv', {}, out);
    const [header, line] = readFileSync(out, 'utf8').split('\r\n');
    assert.equal(header, GENERATION_COLUMNS.map((c) => `"${c}"`).join(','));
    assert.match(line, /(^|,)"main"(,|$)/);
    assert.match(line, /(^|,)"sk-or-v1-abc…wxyz"(,|$)/);
    assert.match(line, /(^|,)100(,|$)/);
    assert.match(line, /(^|,)0\.001(,|$)/);
    assert.ok(line.includes(',,'), 'a null cell stays empty');
    await l.close();
  } finally {
    cleanup();
  }
});
