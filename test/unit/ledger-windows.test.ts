import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, row, tempDir, waitFor, WASM_PATH } from './helpers/ledgerFixtures';

async function fileCount(dir: string): Promise<number> {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
  try {
    return db.exec('SELECT COUNT(*) FROM generations')[0].values[0][0] as number;
  } finally {
    db.close();
  }
}

test('one window writes ledger.sqlite; when it closes another takes over and keeps the file current', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await open(dir);
    const b = await open(dir);
    assert.equal(a.isSnapshotWriter, true);
    assert.equal(b.isSnapshotWriter, false);
    const changes: string[][] = [];
    const c = await open(dir, { onExternalChange: (ch) => changes.push(ch.kinds) });
    await b.appendGeneration(row());
    assert.ok(await waitFor(() => a.rowCount() === 1), 'the writer window follows the other’s journal');
    assert.ok(await waitFor(() => changes.length > 0), 'the third window is told about the change');
    assert.deepEqual(changes[0], ['gen']);
    assert.equal(c.rowCount(), 1);
    assert.ok(await waitFor(async () => existsSync(path.join(dir, 'ledger.sqlite')) && (await fileCount(dir)) === 1));
    await a.close();
    assert.ok(await waitFor(() => b.isSnapshotWriter || c.isSnapshotWriter), 'a remaining window takes over');
    await c.appendGeneration(row());
    await b.appendGeneration(row());
    assert.ok(await waitFor(async () => (await fileCount(dir)) === 3), 'the file keeps up with both windows');
    await b.close();
    await c.close();
    assert.equal(await fileCount(dir), 3);
  } finally {
    cleanup();
  }
});

test('the lock of a window that was killed is taken over at once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, 'ledger.lock'), JSON.stringify({ writerId: 'gone', pid: Number(dead), host: os.hostname() }));
    const l = await open(dir, { lockStaleMs: 60_000 });
    assert.equal(l.isSnapshotWriter, true);
    await l.close();
  } finally {
    cleanup();
  }
});

test('a live window’s lock is respected until its heartbeat goes stale', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'ledger.lock'), JSON.stringify({ writerId: 'elsewhere', pid: 1, host: 'another-machine' }));
    const l = await open(dir, { lockStaleMs: 300 });
    assert.equal(l.isSnapshotWriter, false);
    assert.ok(await waitFor(() => l.isSnapshotWriter, 3_000), 'taken over once the heartbeat is older than lockStaleMs');
    await l.close();
  } finally {
    cleanup();
  }
});

test('finished journals are compacted away once two snapshots hold them, and nothing is lost', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const writer = await open(dir, { compactGraceMs: 0 });
    const follower = await open(dir, { pollIntervalMs: 60_000 });
    const other = await open(dir);
    const ids = [await other.appendGeneration(row()), await other.appendGeneration(row())];
    await other.close();
    await writer.refresh();
    await writer.flush();
    await writer.appendGeneration(row());
    await writer.flush();
    assert.equal(readdirSync(path.join(dir, 'journal')).some((f) => f.startsWith(other.writerId)), false, 'the closed journal is gone');

    // The follower never read that journal: it notices and reloads from the snapshot.
    await follower.refresh();
    assert.ok(follower.warnings.some((w) => w.kind === 'reloaded'));
    const seen = new Set(follower.queries.recent(10).map((r) => r.uid));
    for (const id of ids) assert.ok(seen.has(id));
    assert.equal(follower.rowCount(), 3);
    await follower.appendGeneration(row());
    await follower.close();
    await writer.close();
    const again = await open(dir);
    assert.equal(again.rowCount(), 4);
    assert.equal((await again.verify()).ok, true);
    await again.close();
  } finally {
    cleanup();
  }
});
