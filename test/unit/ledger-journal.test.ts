import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeRecords, encodeRecord } from '../../src/ledger/journal';
import { normalizeGeneration, normalizePatch } from '../../src/ledger/normalize';
import type { LedgerOp } from '../../src/ledger/ops';
import type { StoredGeneration } from '../../src/ledger/types';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const textArb = fc.string({ maxLength: 12, unit: 'binary' });

const genOpArb: fc.Arbitrary<LedgerOp> = fc
  .array(fc.record({ gid: fc.option(textArb, { nil: null }), model: textArb.filter((s) => s.length > 0), cost: fc.double({ min: 0, max: 5, noNaN: true }) }), { minLength: 1, maxLength: 3 })
  .map((rows) => ({ k: 'gen', rows: rows.map((r, i) => normalizeGeneration(row({ generationId: r.gid, modelRequested: r.model, totalCost: r.cost, ts: Date.UTC(2025, 0, 1) + i }))) }));

test('decoding any prefix of a journal yields exactly the complete records, and the rest as an unfinished tail', () => {
  fc.assert(
    fc.property(fc.array(genOpArb, { minLength: 1, maxLength: 6 }), fc.nat(), (ops, cutSeed) => {
      const lines = ops.map((op, i) => encodeRecord(i + 1, op));
      const all = Buffer.concat(lines);
      const cut = cutSeed % (all.length + 1);
      const decoded = decodeRecords(all.subarray(0, cut), 0);
      let complete = 0;
      let end = 0;
      while (complete < lines.length && end + lines[complete].length <= cut) end += lines[complete++].length;
      assert.deepEqual(decoded.records.map((r) => r.op), ops.slice(0, complete));
      assert.deepEqual(decoded.records.map((r) => r.seq), ops.slice(0, complete).map((_, i) => i + 1));
      assert.equal(decoded.consumed, end);
      assert.equal(decoded.partialBytes, cut - end);
      assert.deepEqual(decoded.corrupt, []);
    }),
  );
});

test('flipping any byte of a record makes that record (and only it) fail its check', () => {
  fc.assert(
    fc.property(fc.array(genOpArb, { minLength: 3, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (ops, at, xor) => {
      const lines = ops.map((op, i) => encodeRecord(i + 1, op));
      const target = lines[1];
      const pos = at % (target.length - 1); // not the final LF, which would merge two lines
      const damaged = Buffer.from(target);
      damaged[pos] ^= xor;
      if (damaged.includes(0x0a) && damaged.indexOf(0x0a) < damaged.length - 1) return; // the flip made a new line break
      const decoded = decodeRecords(Buffer.concat([lines[0], damaged, lines[2]]), 0);
      assert.deepEqual(decoded.records.map((r) => r.seq), [1, 3]);
      assert.equal(decoded.corrupt.length, 1);
    }),
  );
});

/** What a user can observe of a ledger: its rows and their aggregates. */
function state(rows: StoredGeneration[]) {
  return rows.map((r) => JSON.stringify(r)).sort();
}

interface Plan {
  /** Per writer: the operations in its journal. */
  journals: LedgerOp[][];
}

/**
 * Two writers; each updates only rows it created (so the final state does not depend on the
 * order in which journals are read), and only writer 0 deletes, older than any row of writer 1.
 * (Which of two concurrent changes to the same row wins is the order this database read them.)
 */
const planArb: fc.Arbitrary<Plan> = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('ins', 'ins', 'upd', 'del'), fc.nat(40), fc.nat(40)), { minLength: 1, maxLength: 25 }),
    fc.array(fc.tuple(fc.constantFrom('ins', 'ins', 'upd'), fc.nat(40), fc.nat(40)), { maxLength: 25 }),
  )
  .map(([a, b]) => ({
    journals: [a, b].map((steps, w) => {
      const made: StoredGeneration[] = [];
      return steps.flatMap(([kind, x, y]): LedgerOp[] => {
        if (kind === 'ins') {
          // Repeated generation ids within a writer on purpose (a retry): stored once. A generation
          // id belongs to one window's request, so writers never share one with different content.
          const r = normalizeGeneration(row({ generationId: x % 3 === 0 ? null : `g-${w}-${x}`, ts: Date.UTC(2025 + w, 0, 1 + (y % 28)), totalCost: y / 100 }));
          made.push(r);
          return [{ k: 'gen', rows: [r] }];
        }
        if (kind === 'upd' && made.length) {
          const target = made[x % made.length];
          return [{ k: 'upd', uid: target.uid, gid: null, set: normalizePatch({ totalCost: x / 7, status: y % 2 ? 'success' : 'error' }, 'done') }];
        }
        if (kind === 'del') return [{ k: 'del', before: new Date(Date.UTC(2025, 0, 1 + (y % 28))).toISOString(), scope: 'retention' }];
        return [];
      });
    }),
  }));

function writeJournals(dir: string, plan: Plan, upTo: (w: number) => number, from: (w: number) => number = () => 0): void {
  mkdirSync(path.join(dir, 'journal'), { recursive: true });
  plan.journals.forEach((ops, w) => {
    const lines = ops.slice(from(w), upTo(w)).map((op, i) => encodeRecord(from(w) + i + 1, op));
    appendFileSync(path.join(dir, 'journal', `writer${w}.jsonl`), Buffer.concat(lines));
  });
}

test('replaying journals is idempotent and a snapshot taken at any point plus replay gives the same ledger', async () => {
  const { dir: root, cleanup } = tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(planArb, fc.nat(), fc.nat(), async (plan, cutA, cutB) => {
        const full = `${root}/${run}-full`;
        const staged = `${root}/${run++}-staged`;
        writeJournals(full, plan, (w) => plan.journals[w].length);
        const once = await open(full);
        const expected = state(once.queries.recent(1000));
        assert.equal((await once.verify()).ok, true);
        await once.close();

        // Reading the same journals again (after the snapshot) changes nothing…
        const twice = await open(full);
        assert.deepEqual(state(twice.queries.recent(1000)), expected);
        await twice.close();
        // …and neither does a journal that holds every record twice.
        plan.journals.forEach((ops, w) => appendFileSync(path.join(full, 'journal', `writer${w}.jsonl`), Buffer.concat(ops.map((op, i) => encodeRecord(i + 1, op)))));
        const doubled = await open(full);
        assert.deepEqual(state(doubled.queries.recent(1000)), expected);
        await doubled.close();

        // Snapshot after an arbitrary prefix of each journal, then the rest arrives.
        const cuts = [cutA % (plan.journals[0].length + 1), cutB % (plan.journals[1].length + 1)];
        writeJournals(staged, plan, (w) => cuts[w]);
        await (await open(staged)).close();
        writeJournals(staged, plan, (w) => plan.journals[w].length, (w) => cuts[w]);
        const resumed = await open(staged);
        assert.deepEqual(state(resumed.queries.recent(1000)), expected);
        assert.deepEqual(resumed.queries.summary('all'), (await open(full).then(async (l) => {
          const s = l.queries.summary('all');
          await l.close();
          return s;
        })));
        assert.equal((await resumed.verify()).ok, true);
        await resumed.close();
      }),
      { numRuns: 20 },
    );
  } finally {
    cleanup();
  }
});

test('an update that arrives before its row (another window’s journal read first) is applied when the row arrives', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = normalizeGeneration(row({ generationId: 'late-row', totalCost: 0.001 }));
    mkdirSync(path.join(dir, 'journal'), { recursive: true });
    writeFileSync(path.join(dir, 'journal', 'a-updater.jsonl'), encodeRecord(1, { k: 'upd', uid: null, gid: 'late-row', set: normalizePatch({ totalCost: 0.25, costSource: 'generation' }, 'done') }));
    const l = await open(dir);
    assert.equal(l.rowCount(), 0);
    writeFileSync(path.join(dir, 'journal', 'b-writer.jsonl'), encodeRecord(1, { k: 'gen', rows: [r] }));
    await l.refresh();
    const [stored] = l.queries.recent(1);
    assert.equal(stored.total_cost, 0.25);
    assert.equal(stored.backfill, 'done');
    assert.equal(l.queries.summary('all').cost, 0.25);
    assert.equal((await l.verify()).ok, true);
    await l.close();
  } finally {
    cleanup();
  }
});
