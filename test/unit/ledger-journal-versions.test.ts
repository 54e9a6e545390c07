/**
 * Issue 9 item 3: an acknowledged journal record is never skipped. A line written by a newer
 * version (higher format version, or an operation kind this version does not know), or one that
 * fails to apply, stops this window from following that journal at that line: nothing after it
 * is applied, the saved position stays before it, compaction keeps the file, and the window says
 * so once. Real journal files, real sql.js ledgers in temp folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeRecord } from '../../src/ledger/journal';
import { normalizeGeneration } from '../../src/ledger/normalize';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, WASM_PATH } from './helpers/ledgerFixtures';

/** A writer id whose process has exited, so its journal counts as finished (compactable). */
function deadWriterId(): string {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return `${child.stdout.toString()}-f0f0f0f0-${os.hostname().replace(/[^A-Za-z0-9]/g, '').slice(0, 24) || 'host'}`;
}

/** A journal line exactly as the documented format has it: JSON, TAB, first 16 hex digits of its SHA-256, LF. */
function handWrittenLine(record: Record<string, unknown>): Buffer {
  const json = JSON.stringify(record);
  return Buffer.from(`${json}\t${createHash('sha256').update(json).digest('hex').slice(0, 16)}\n`, 'utf8');
}

/** What the snapshot on disk says this database applied of `writer`'s journal. */
async function savedPosition(dir: string, writer: string): Promise<{ seq: number; offset: number } | undefined> {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
  try {
    const value = db.exec('SELECT seq, byte_offset FROM journal_state WHERE writer_id = ?', [writer])[0]?.values[0];
    return value && { seq: value[0] as number, offset: value[1] as number };
  } finally {
    db.close();
  }
}

const gids = (l: { queries: { recent(n: number): { generation_id: string | null }[] } }) =>
  l.queries.recent(100).map((r) => r.generation_id).sort();

for (const future of ['a newer format version', 'an unknown operation kind'] as const) {
  test(`a journal line with ${future} stops following there: not applied, position kept before it, never compacted`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(path.join(dir, 'journal'), { recursive: true });
      const writer = deadWriterId();
      const [a, b, c] = ['before', 'future', 'after'].map((g) => normalizeGeneration(row({ generationId: `v-${g}` })));
      const first = encodeRecord(1, { k: 'gen', rows: [a] });
      const line =
        future === 'a newer format version'
          ? handWrittenLine({ v: 99, q: 2, o: { k: 'gen', rows: [b] } })
          : handWrittenLine({ v: 1, q: 2, o: { k: 'gen-v2', rows: [b] } });
      const journal = path.join(dir, 'journal', `${writer}.jsonl`);
      writeFileSync(journal, Buffer.concat([first, line, encodeRecord(3, { k: 'gen', rows: [c] })]));
      const journalBytes = readFileSync(journal);

      const l = await open(dir, { compactGraceMs: 0 });
      assert.deepEqual(gids(l), ['v-before'], 'the line and everything after it are held back');
      const said = l.warnings.filter((w) => w.kind === 'journal-newer');
      assert.equal(said.length, 1, 'the user hears about it once');
      assert.match(said[0].message, /newer version/);

      // Two snapshots with this window's own rows: enough to compact a finished journal normally.
      await l.appendGeneration(row());
      await l.flush();
      await l.refresh();
      await l.appendGeneration(row());
      await l.flush();
      await l.refresh();
      assert.equal(l.warnings.filter((w) => w.kind === 'journal-newer').length, 1, 'said once, not at every poll');
      assert.deepEqual(await savedPosition(dir, writer), { seq: 1, offset: first.length }, 'the saved position is before the line');
      assert.ok(existsSync(journal), 'compaction keeps the only copy of the line');
      assert.ok(readFileSync(journal).equals(journalBytes));
      await l.close();

      if (future === 'a newer format version') {
        // The newer version itself (played here by a reader told it understands format 99 —
        // an injected setting, not the real upgrade) applies the line and the rest.
        const newer = await open(dir, { journalFormatVersion: 99 });
        assert.equal(newer.rowCount(), 5);
        assert.ok(gids(newer).includes('v-future') && gids(newer).includes('v-after'));
        await newer.flush();
        assert.deepEqual(await savedPosition(dir, writer), { seq: 3, offset: journalBytes.length });
        await newer.close();
      }
    } finally {
      cleanup();
    }
  });
}

test('a record that fails to apply is retried at every catch-up, never passed over', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, 'journal'), { recursive: true });
    const writer = deadWriterId();
    const ok = normalizeGeneration(row({ generationId: 'apply-ok' }));
    // A well-formed record this database refuses (a status value its schema does not allow).
    const refused = { ...normalizeGeneration(row({ generationId: 'apply-refused' })), status: 'queued' as never };
    const later = normalizeGeneration(row({ generationId: 'apply-later' }));
    const first = encodeRecord(1, { k: 'gen', rows: [ok] });
    const journal = path.join(dir, 'journal', `${writer}.jsonl`);
    writeFileSync(journal, Buffer.concat([first, encodeRecord(2, { k: 'gen', rows: [refused] }), encodeRecord(3, { k: 'gen', rows: [later] })]));

    const l = await open(dir, { compactGraceMs: 0 });
    assert.deepEqual(gids(l), ['apply-ok']);
    await l.appendGeneration(row());
    await l.flush();
    await l.refresh();
    await l.appendGeneration(row());
    await l.flush();
    assert.deepEqual(gids(l).filter((g) => g?.startsWith('apply-')), ['apply-ok'], 'the record after the failed one waits too');
    assert.deepEqual(await savedPosition(dir, writer), { seq: 1, offset: first.length });
    assert.ok(existsSync(journal), 'not compacted');
    assert.equal(l.warnings.filter((w) => w.kind === 'journal-apply-failed').length, 1);
    await l.close();
  } finally {
    cleanup();
  }
});

test('journal lines written before format versions existed still read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, 'journal'), { recursive: true });
    const old = normalizeGeneration(row({ generationId: 'unversioned' }));
    writeFileSync(path.join(dir, 'journal', 'old-writer.jsonl'), handWrittenLine({ q: 1, o: { k: 'gen', rows: [old] } }));
    const l = await open(dir);
    assert.deepEqual(gids(l), ['unversioned']);
    assert.equal(l.warnings.length, 0);
    await l.close();
  } finally {
    cleanup();
  }
});
