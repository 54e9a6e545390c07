import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { open, sleep, tempDir, WASM_PATH } from './helpers/ledgerFixtures';
import { acked, buildWorker, startWorker } from './helpers/ledgerProcesses';

let script: string;
const scratch = tempDir('ledger-workers-');
before(async () => {
  script = await buildWorker(scratch.dir);
});
after(() => scratch.cleanup());

const KILLS = 15;
/** Kill moments come from a seeded generator, so a failing run can be replayed with CRASH_SEED=<seed>. */
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
let state = SEED;
function random(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

test(`a window killed at any moment loses no acknowledged request and leaves a ledger that opens and verifies (CRASH_SEED=${SEED})`, async () => {
  const { dir, cleanup } = tempDir();
  const confirmed = new Set<string>();
  try {
    for (let life = 0; life < KILLS; life++) {
      // Snapshots every few ms and no compaction grace, so kills also land inside snapshot
      // writes, journal compaction and (every fourth life) inside opening and replay.
      const worker = startWorker(script, {
        dir, wasmPath: WASM_PATH, tag: `life${life}`, count: 1_000_000, concurrency: 4, backfillEvery: 7,
        pollIntervalMs: 20, snapshotDelayMs: 5, maxSnapshotDelayMs: 30, compactGraceMs: 0,
      });
      if (life % 4 === 3) await sleep(random() * 150);
      else {
        await worker.waitFor(/^ready /);
        await sleep(10 + random() * 150);
      }
      worker.child.kill('SIGKILL');
      await worker.exited;
      assert.equal(worker.lines.find((l) => l.startsWith('error ')), undefined);
      for (const id of acked(worker)) confirmed.add(id);
    }
    assert.ok(confirmed.size > 20, `the workers got to write (${confirmed.size} acknowledged)`);

    const l = await open(dir);
    const rows = l.queries.recent(1_000_000);
    const stored = new Set(rows.map((r) => r.generation_id));
    const missing = [...confirmed].filter((id) => !stored.has(id));
    assert.deepEqual(missing, [], 'every acknowledged request is present');
    assert.equal(stored.size, rows.length, 'no request is stored twice');
    assert.equal(l.queries.summary('all').requests, rows.length, 'rollups agree with the rows');
    const report = await l.verify();
    assert.deepEqual(report.problems, []);
    assert.ok(readdirSync(path.join(dir, 'journal')).filter((f) => f.endsWith('.jsonl')).length <= KILLS + 1);
    await l.close();
  } finally {
    cleanup();
  }
});
