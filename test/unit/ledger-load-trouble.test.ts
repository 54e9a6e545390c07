/**
 * Issue 9 item 4: loading tells damage from trouble. Only SQLite's own corruption signals set a
 * file aside; a snapshot that cannot be read (here: real errors that stop root too — a directory
 * or a symlink loop where the file should be) fails the open with a clear message and leaves
 * every file as it was. And a snapshot never replaces one that held more rows unless deletions
 * explain the difference. Real files, real sql.js.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { open, row, tempDir } from './helpers/ledgerFixtures';

/** Every entry under `dir` with what it is: file bytes (hash), directory, or symlink target. */
function tree(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = path.relative(base, full);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(full)}`;
    else if (st.isDirectory()) Object.assign(out, { [rel]: 'dir' }, tree(full, base));
    else out[rel] = `${st.size} ${createHash('sha256').update(readFileSync(full)).digest('hex')} ${st.mtimeMs}`;
  }
  return out;
}

async function ledgerWithRows(dir: string, count: number): Promise<string[]> {
  const l = await open(dir);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await l.appendGeneration(row()));
  await l.close();
  return ids;
}

for (const trouble of ['a directory', 'a symlink loop'] as const) {
  test(`a snapshot that cannot be read (${trouble} in its place) fails the open clearly and changes nothing on disk`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      await ledgerWithRows(dir, 3);
      const file = path.join(dir, 'ledger.sqlite');
      const good = readFileSync(file);
      rmSync(file);
      if (trouble === 'a directory') mkdirSync(path.join(file, 'inside'), { recursive: true });
      else symlinkSync('ledger.sqlite', file);
      const before = tree(dir);

      await assert.rejects(open(dir), (err: Error) => {
        assert.match(err.message, /ledger\.sqlite could not be read/);
        assert.match(err.message, trouble === 'a directory' ? /EISDIR/ : /ELOOP/);
        assert.match(err.message, /nothing was changed/i);
        return true;
      });
      assert.deepEqual(tree(dir), before, 'no file renamed, written or created');
      assert.ok(!readdirSync(dir).some((n) => n.includes('.corrupt-')));

      // Once the trouble is gone the ledger opens with every row.
      rmSync(file, { recursive: true, force: true });
      writeFileSync(file, good);
      const l = await open(dir);
      assert.equal(l.rowCount(), 3);
      assert.equal(l.warnings.length, 0);
      await l.close();
    } finally {
      cleanup();
    }
  });
}

test('a truncated or garbage snapshot is still set aside as damaged', async () => {
  for (const damage of ['truncated', 'garbage'] as const) {
    const { dir, cleanup } = tempDir();
    try {
      await ledgerWithRows(dir, 2);
      const file = path.join(dir, 'ledger.sqlite');
      const bytes = readFileSync(file);
      writeFileSync(file, damage === 'truncated' ? bytes.subarray(0, 1000) : Buffer.alloc(bytes.length, 0x5a));
      const l = await open(dir);
      const warning = l.warnings.find((w) => w.kind === 'corrupt-snapshot');
      assert.ok(warning?.setAsidePath && existsSync(warning.setAsidePath), `${damage}: set aside`);
      assert.equal(l.rowCount(), 2, `${damage}: rebuilt from the journal`);
      await l.close();
    } finally {
      cleanup();
    }
  }
});

test('a snapshot that would hold fewer rows than the one it replaces is refused; the journals keep everything', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // Session 1 writes 3 rows; session 2 writes 2 and snapshots twice, so session 1's journal is
    // compacted: from then on its rows exist only in the two snapshot files.
    await ledgerWithRows(dir, 3);
    const second = await open(dir, { compactGraceMs: 0 });
    await second.appendGeneration(row());
    await second.flush();
    await second.appendGeneration(row());
    await second.flush();
    await second.close();
    assert.equal(readdirSync(path.join(dir, 'journal')).filter((n) => n.endsWith('.jsonl')).length, 1);

    // Both snapshots are damaged: only session 2's two rows can be rebuilt.
    writeFileSync(path.join(dir, 'ledger.sqlite'), 'garbage');
    writeFileSync(path.join(dir, 'ledger.sqlite.prev'), 'garbage too');
    const l = await open(dir);
    assert.equal(l.rowCount(), 2);
    const journalsBefore = tree(path.join(dir, 'journal'));
    const headBefore = readFileSync(path.join(dir, 'ledger.head'));
    await l.appendGeneration(row());
    await l.flush();
    assert.ok(!existsSync(path.join(dir, 'ledger.sqlite')), 'no 3-row snapshot was written where a 5-row one stood');
    assert.ok(readFileSync(path.join(dir, 'ledger.head')).equals(headBefore));
    const refused = l.warnings.filter((w) => w.kind === 'snapshot-refused');
    assert.equal(refused.length, 1);
    assert.match(refused[0].message, /3 requests.*5/);
    await l.close();
    assert.ok(!existsSync(path.join(dir, 'ledger.sqlite')), 'not on close either');
    const journalsAfter = tree(path.join(dir, 'journal'));
    for (const name of Object.keys(journalsBefore).filter((n) => n.endsWith('.jsonl'))) assert.ok(name in journalsAfter, `${name} kept`);
  } finally {
    cleanup();
  }
});

test('a snapshot with fewer rows is written when a deletion explains the difference', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ ts: Date.UTC(2024, 0, 1) }));
    await l.appendGeneration(row({ ts: Date.UTC(2024, 0, 2) }));
    await l.appendGeneration(row({ ts: Date.UTC(2025, 5, 1) }));
    await l.flush();
    assert.equal(await l.deleteBefore(Date.UTC(2025, 0, 1)), 2);
    await l.flush();
    await l.close();
    const again = await open(dir);
    assert.equal(again.rowCount(), 1);
    assert.equal(again.warnings.length, 0);
    await again.close();
  } finally {
    cleanup();
  }
});
