import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/ledger/sqljs';
import { open, tempDir, WASM_PATH } from './helpers/ledgerFixtures';
import { acked, buildWorker, startWorker, type RunningWorker } from './helpers/ledgerProcesses';

let script: string;
const scratch = tempDir('ledger-workers-');
before(async () => {
  script = await buildWorker(scratch.dir);
});
after(() => scratch.cleanup());

const WINDOWS = 4;
const PER_WINDOW = 150;

test('several windows appending at once lose nothing, duplicate nothing, and each sees the others within seconds', async () => {
  const { dir, cleanup } = tempDir();
  const workers: RunningWorker[] = [];
  try {
    for (let w = 0; w < WINDOWS; w++) {
      workers.push(startWorker(script, {
        dir, wasmPath: WASM_PATH, tag: `w${w}`, count: PER_WINDOW, concurrency: 8, backfillEvery: 10,
        expectTotal: WINDOWS * PER_WINDOW, pollIntervalMs: 50, snapshotDelayMs: 50, maxSnapshotDelayMs: 300,
      }));
    }
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, workers.map(() => 0), workers.map((w) => w.lines.filter((l) => /error|stderr/.test(l)).join('\n')).join('\n'));

    for (const w of workers) {
      const [, seen, ms] = (await w.waitFor(/^saw /)).split(' ');
      assert.equal(Number(seen), WINDOWS * PER_WINDOW, 'each window ends up seeing every window’s rows');
      assert.ok(Number(ms) < 5_000, `seen within seconds (took ${ms} ms)`);
    }
    const all = workers.flatMap(acked);
    assert.equal(new Set(all).size, WINDOWS * PER_WINDOW);

    // The file itself, read as any SQLite tool would, is complete once every window has closed.
    const SQL = await loadSqlJs(WASM_PATH);
    const file = new SQL.Database(readFileSync(path.join(dir, 'ledger.sqlite')));
    assert.deepEqual(file.exec('SELECT COUNT(*), COUNT(DISTINCT generation_id), COUNT(DISTINCT uid) FROM generations')[0].values, [[600, 600, 600]]);
    file.close();

    const l = await open(dir);
    const rows = l.queries.recent(10_000);
    assert.equal(rows.length, WINDOWS * PER_WINDOW);
    assert.deepEqual(new Set(rows.map((r) => r.generation_id)), new Set(all));
    const backfilled = rows.filter((r) => r.cost_source === 'generation').map((r) => r.generation_id).sort();
    const expected = workers.flatMap((w) => w.lines.filter((x) => x.startsWith('backfilled ')).map((x) => x.slice(11))).sort();
    assert.deepEqual(backfilled, expected);
    assert.equal(l.queries.summary('all').requests, WINDOWS * PER_WINDOW);
    assert.equal((await l.verify()).ok, true);
    await l.close();
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    cleanup();
  }
});
