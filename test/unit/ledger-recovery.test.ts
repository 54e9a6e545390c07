import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LedgerVersionError } from '../../src/ledger';
import { encodeRecord } from '../../src/ledger/journal';
import { normalizeGeneration } from '../../src/ledger/normalize';
import { open, row, tempDir, writeNewerSchemaLedger } from './helpers/ledgerFixtures';

/** Two sessions; the second snapshots twice with no compaction grace, so the first journal is compacted away. */
async function twoSessions(dir: string): Promise<string[]> {
  const ids: string[] = [];
  const first = await open(dir);
  for (let i = 0; i < 3; i++) ids.push(await first.appendGeneration(row()));
  await first.close();
  const second = await open(dir, { compactGraceMs: 0 });
  ids.push(await second.appendGeneration(row()));
  await second.flush();
  ids.push(await second.appendGeneration(row()));
  await second.flush();
  await second.close();
  return ids;
}

const journals = (dir: string) => readdirSync(path.join(dir, 'journal')).filter((f) => f.endsWith('.jsonl'));

test('a damaged ledger.sqlite is set aside, reported, and rebuilt without losing a request', async () => {
  for (const damage of ['truncate', 'overwrite'] as const) {
    const { dir, cleanup } = tempDir();
    try {
      const ids = await twoSessions(dir);
      assert.equal(journals(dir).length, 1, 'the first session’s journal was compacted, so recovery needs the previous snapshot');
      const file = path.join(dir, 'ledger.sqlite');
      const bytes = readFileSync(file);
      if (damage === 'truncate') writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      else writeFileSync(file, Buffer.concat([bytes.subarray(0, 4096), Buffer.alloc(bytes.length - 8192, 0xff), bytes.subarray(bytes.length - 4096)]));

      const l = await open(dir);
      const warning = l.warnings.find((w) => w.kind === 'corrupt-snapshot');
      assert.ok(warning, `${damage}: the user is told`);
      assert.ok(warning.setAsidePath && existsSync(warning.setAsidePath), `${damage}: the damaged file is kept aside`);
      assert.deepEqual(l.queries.recent(10).map((r) => r.uid).sort(), [...ids].sort(), `${damage}: every request is back`);
      assert.equal((await l.verify()).ok, true);
      await l.close();
    } finally {
      cleanup();
    }
  }
});

test('with both snapshots unusable the ledger is rebuilt from the journals alone', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const first = await open(dir);
    const ids = [await first.appendGeneration(row()), await first.appendGeneration(row())];
    await first.close();
    writeFileSync(path.join(dir, 'ledger.sqlite'), 'not a database at all');
    writeFileSync(path.join(dir, 'ledger.sqlite.prev'), Buffer.alloc(8192));
    const l = await open(dir);
    assert.equal(l.warnings.filter((w) => w.kind === 'corrupt-snapshot').length, 2);
    assert.deepEqual(l.queries.recent(10).map((r) => r.uid).sort(), ids.sort());
    await l.close();
  } finally {
    cleanup();
  }
});

/** A writer id whose process has exited, so its journal counts as finished. */
function deadWriterId(): string {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return `${child.stdout.toString()}-deadbeef-${os.hostname().replace(/[^A-Za-z0-9]/g, '').slice(0, 24) || 'host'}`;
}

test('a torn last journal line from a killed window is skipped with a log line; the records before it count', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, 'journal'), { recursive: true });
    const rows = [1, 2, 3].map((i) => normalizeGeneration(row({ generationId: `torn-${i}` })));
    const torn = encodeRecord(3, { k: 'gen', rows: [rows[2]] });
    writeFileSync(path.join(dir, 'journal', `${deadWriterId()}.jsonl`), Buffer.concat([
      encodeRecord(1, { k: 'gen', rows: [rows[0]] }), encodeRecord(2, { k: 'gen', rows: [rows[1]] }), torn.subarray(0, torn.length - 9),
    ]));
    const l = await open(dir);
    assert.deepEqual(l.queries.recent(10).map((r) => r.generation_id).sort(), ['torn-1', 'torn-2']);
    assert.ok(l.warnings.some((w) => w.kind === 'torn-journal'));
    assert.ok(l.log.lines.some((line) => /unfinished record/.test(line)));
    await l.close();
  } finally {
    cleanup();
  }
});

test('a damaged record in the middle of a journal is skipped and the records after it still apply', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, 'journal'), { recursive: true });
    const rows = [1, 2, 3].map((i) => normalizeGeneration(row({ generationId: `mid-${i}` })));
    const middle = Buffer.from(encodeRecord(2, { k: 'gen', rows: [rows[1]] }));
    middle[20] ^= 0x01;
    writeFileSync(path.join(dir, 'journal', 'w1.jsonl'), Buffer.concat([
      encodeRecord(1, { k: 'gen', rows: [rows[0]] }), middle, encodeRecord(3, { k: 'gen', rows: [rows[2]] }),
    ]));
    const l = await open(dir);
    assert.deepEqual(l.queries.recent(10).map((r) => r.generation_id).sort(), ['mid-1', 'mid-3']);
    assert.ok(l.warnings.some((w) => w.kind === 'corrupt-journal-record' && /checksum/.test(w.message)));
    await l.close();
  } finally {
    cleanup();
  }
});

test('a ledger written by a newer version is refused and left untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeNewerSchemaLedger(dir, 99);
    const file = path.join(dir, 'ledger.sqlite');
    const before = readFileSync(file);
    await assert.rejects(open(dir), (e: Error) => e instanceof LedgerVersionError && /newer version/.test(e.message));
    assert.ok(readFileSync(file).equals(before));
  } finally {
    cleanup();
  }
});

test('a failed save of ledger.sqlite is reported, loses nothing, and the file is written once it can be', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    mkdirSync(path.join(dir, 'ledger.sqlite', 'in-the-way'), { recursive: true });
    const id = await l.appendGeneration(row());
    await l.flush();
    assert.ok(l.warnings.some((w) => w.kind === 'snapshot-failed'), 'the user hears about it');
    rmSync(path.join(dir, 'ledger.sqlite'), { recursive: true });
    await l.close();
    const again = await open(dir);
    assert.deepEqual(again.queries.recent(5).map((r) => r.uid), [id]);
    assert.equal(again.warnings.length, 0);
    await again.close();
  } finally {
    cleanup();
  }
});
