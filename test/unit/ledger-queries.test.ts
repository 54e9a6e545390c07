import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import type { StoredGeneration } from '../../src/ledger/types';
import type { GenerationStatus } from '../../src/ledger/types';
import { localDay, localHour, offsetFunction, type TimeZoneSpec } from '../../src/ledger/timeZone';
import { open, row, tempDir } from './helpers/ledgerFixtures';

const DAY = 86_400_000;
const BASE = Date.UTC(2025, 1, 20); // 60 days: whole months, and the European DST change of 2025-03-30
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const isError = (r: StoredGeneration) => r.status === 'error' || r.status === 'timeout';
const inRange = (r: StoredGeneration, from: number, to: number) => Date.parse(r.ts) >= from && Date.parse(r.ts) < to;

/** The oracle: plain aggregation over the raw rows. */
function totals(rows: StoredGeneration[]) {
  return {
    requests: rows.length,
    errors: rows.filter(isError).length,
    promptTokens: rows.reduce((s, r) => s + (r.prompt_tokens ?? 0), 0),
    completionTokens: rows.reduce((s, r) => s + (r.completion_tokens ?? 0), 0),
    cost: rows.reduce((s, r) => s + (r.total_cost ?? 0), 0),
  };
}

function assertTotals(actual: { requests: number; errors: number; promptTokens: number; completionTokens: number; cost: number }, rows: StoredGeneration[], what: string) {
  const e = totals(rows);
  assert.equal(actual.requests, e.requests, `${what}: requests`);
  assert.equal(actual.errors, e.errors, `${what}: errors`);
  assert.equal(actual.promptTokens, e.promptTokens, `${what}: prompt tokens`);
  assert.equal(actual.completionTokens, e.completionTokens, `${what}: completion tokens`);
  assert.ok(close(actual.cost, e.cost), `${what}: cost ${actual.cost} vs ${e.cost}`);
}

function exactPercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  return s[Math.floor(pos)] + (s[Math.ceil(pos)] - s[Math.floor(pos)]) * (pos - Math.floor(pos));
}

const rowArb = fc.record({
  minute: fc.integer({ min: 0, max: 60 * 24 * 60 }),
  model: fc.constantFrom('a/one', 'b/two', 'c/three'),
  status: fc.constantFrom<GenerationStatus>('success', 'success', 'success', 'error', 'timeout', 'cancelled'),
  cost: fc.option(fc.integer({ min: 0, max: 10_000 }).map((c) => c / 1e6), { nil: null }),
  latency: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: null }),
  user: fc.constantFrom('alice', 'bob', null),
  branch: fc.constantFrom('main', 'dev', null),
  errorCode: fc.constantFrom('429', null),
  session: fc.constantFrom('chat-1', 'chat-2', null),
  tags: fc.constantFrom<string[] | undefined>(undefined, ['bugfix'], ['bugfix', 'ci'], ['ci', 'ci']),
});

test('every aggregate equals a plain aggregation of the raw rows, for any range, after updates and deletions', async () => {
  const { dir: root, cleanup } = tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.option(fc.integer({ min: 0, max: 60 * 24 * 60 }), { nil: undefined }),
        fc.tuple(fc.integer({ min: -DAY, max: 61 * DAY }), fc.integer({ min: 0, max: 62 * DAY })),
        fc.constantFrom<TimeZoneSpec>('utc', { offsetMinutes: 330 }, { offsetMinutes: -420 }, { offsetMinutes: 345 }, { timeZone: 'Europe/Berlin' }),
        async (specs, updates, deleteMinute, [fromOffset, span], tz) => {
          const l = await open(`${root}/${run++}`);
          try {
            await Promise.all(specs.map((s, i) => l.appendGeneration(row({
              generationId: `q-${i}`, ts: BASE + s.minute * 60_000 + i, modelUsed: s.model, status: s.status, totalCost: s.cost,
              latencyMs: s.latency, userId: s.user, gitBranch: s.branch, errorCode: s.status === 'success' ? null : s.errorCode,
              promptTokens: 10 + i, completionTokens: i, chatSession: s.session, tags: s.tags,
            }))));
            for (const u of updates) await l.completeFromGeneration(`q-${u % specs.length}`, { totalCost: (u % 97) / 1000, modelUsed: 'c/three', latencyMs: 1 + (u % 5000) });
            if (deleteMinute !== undefined) await l.deleteBefore(BASE + deleteMinute * 60_000);

            const rows = l.queries.recent(10_000);
            const from = BASE + fromOffset;
            const to = from + span;
            const ranged = rows.filter((r) => inRange(r, from, to));
            assertTotals(l.queries.summary({ from, to }), ranged, 'summary');
            assertTotals(l.queries.summary('all'), rows, 'summary all');

            const byModel = l.queries.byModel({ from, to });
            for (const m of [...byModel, ...l.queries.byModel('all', { exactPercentileLimit: 0 })]) {
              const scope = byModel.includes(m) ? ranged : rows;
              const mine = scope.filter((r) => (r.model_used ?? r.model_requested) === m.model);
              assertTotals(m, mine, `model ${m.model}`);
              const lat = mine.filter((r) => r.status === 'success' && r.latency_ms !== null).map((r) => r.latency_ms as number);
              assert.equal(m.latency?.count ?? 0, lat.length);
              if (lat.length) {
                assert.ok(close(m.latency!.mean, lat.reduce((a, b) => a + b, 0) / lat.length), 'mean latency');
                if (m.latency!.method === 'exact') assert.ok(close(m.latency!.p95, exactPercentile(lat, 0.95)), 'p95 latency');
                else {
                  // A histogram gives the bucket of the value at rank ⌊(n−1)·p⌋, within 4.5%.
                  const atRank = [...lat].sort((a, b) => a - b)[Math.floor((lat.length - 1) * 0.95)];
                  assert.ok(Math.abs(m.latency!.p95 - atRank) <= 0.045 * atRank, `estimated p95 ${m.latency!.p95} vs ${atRank}`);
                }
              }
            }
            assert.equal(byModel.reduce((s, m) => s + m.requests, 0), ranged.length);

            const offsetAt = offsetFunction(tz);
            for (const d of l.queries.dailySeries({ from, to }, tz)) {
              assertTotals(d, ranged.filter((r) => localDay(Date.parse(r.ts), offsetAt) === d.day), `day ${d.day}`);
            }
            for (const h of l.queries.hourlyDistribution({ from, to }, tz)) {
              assertTotals(h, ranged.filter((r) => localHour(Date.parse(r.ts), offsetAt) === h.hour), `hour ${h.hour}`);
            }
            for (const u of l.queries.byUser({ from, to }, 100)) {
              assertTotals({ ...u, promptTokens: 0, completionTokens: 0 }, ranged.filter((r) => r.user_id === u.user).map((r) => ({ ...r, prompt_tokens: 0, completion_tokens: 0 })), `user ${u.user}`);
            }
            const errors = l.queries.errors({ from, to });
            assert.equal(errors.byType.reduce((s, e) => s + e.count, 0), ranged.filter(isError).length);
            for (const b of l.queries.byWorkspaceBranch({ from, to })) {
              assert.equal(b.requests, ranged.filter((r) => r.git_branch === b.gitBranch && r.workspace === b.workspace).length);
            }
            // Sessions and tags (the dashboard's tables) come from roll_day_dim plus raw rows at the range's edges.
            const keyedTotals = (scope: StoredGeneration[]) => ({
              requests: scope.length, errors: scope.filter(isError).length,
              tokens: scope.reduce((t, r) => t + (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0), 0),
              cost: scope.reduce((t, r) => t + (r.total_cost ?? 0), 0),
            });
            const sessions = l.queries.bySession({ from, to }, 100);
            assert.deepEqual(sessions.map((x) => x.key).sort(), [...new Set(ranged.map((r) => r.chat_session))].sort(), 'every session of the range is listed');
            for (const x of sessions) {
              const e = keyedTotals(ranged.filter((r) => r.chat_session === x.key));
              assert.deepEqual({ ...x, cost: 0 }, { key: x.key, ...e, cost: 0 }, `session ${x.key}`);
              assert.ok(close(x.cost, e.cost), `session ${x.key}: cost ${x.cost} vs ${e.cost}`);
            }
            const tagged = ranged.flatMap((r) => (r.tags ? (JSON.parse(r.tags) as string[]).map((tag) => ({ tag, r })) : []));
            const tags = l.queries.byTag({ from, to }, 100);
            assert.deepEqual(tags.map((x) => x.key).sort(), [...new Set(tagged.map((x) => x.tag))].sort(), 'every tag of the range is listed');
            for (const x of tags) {
              const e = keyedTotals(tagged.filter((t) => t.tag === x.key).map((t) => t.r));
              assert.deepEqual({ ...x, cost: 0 }, { key: x.key, ...e, cost: 0 }, `tag ${x.key}`);
              assert.ok(close(x.cost, e.cost), `tag ${x.key}: cost ${x.cost} vs ${e.cost}`);
            }
            assert.equal((await l.verify()).ok, true);
          } finally {
            await l.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  } finally {
    cleanup();
  }
});

test('the daily series lists every day of the range, empty days as zeros', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ ts: '2025-05-01T10:00:00Z', totalCost: 1 }));
    await l.appendGeneration(row({ ts: '2025-05-04T10:00:00Z', totalCost: 2 }));
    const series = l.queries.dailySeries({ from: '2025-05-01T00:00:00Z', to: '2025-05-05T00:00:00Z' });
    assert.deepEqual(series.map((d) => [d.day, d.requests, d.cost]), [
      ['2025-05-01', 1, 1], ['2025-05-02', 0, 0], ['2025-05-03', 0, 0], ['2025-05-04', 1, 2],
    ]);
    await l.close();
  } finally {
    cleanup();
  }
});

test('local days follow the zone across a DST change', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    await l.appendGeneration(row({ ts: '2025-03-29T23:30:00Z' })); // 00:30 CET on the 30th
    await l.appendGeneration(row({ ts: '2025-03-30T22:30:00Z' })); // 00:30 CEST on the 31st
    const series = l.queries.dailySeries({ from: '2025-03-29T00:00:00Z', to: '2025-04-01T00:00:00Z' }, { timeZone: 'Europe/Berlin' });
    assert.deepEqual(series.filter((d) => d.requests).map((d) => d.day), ['2025-03-30', '2025-03-31']);
    await l.close();
  } finally {
    cleanup();
  }
});

test('percentiles from the latency histograms stay within 4.5% of the exact values', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const latencies = Array.from({ length: 400 }, (_, i) => Math.round(50 * 1.013 ** i));
    await Promise.all(latencies.map((ms, i) => l.appendGeneration(row({ latencyMs: ms, ts: Date.UTC(2025, 0, 1 + (i % 9), i % 24) }))));
    // 'all' reads whole days only; the second range also has partial days at both ends.
    for (const range of ['all' as const, { from: Date.UTC(2025, 0, 2, 6), to: Date.UTC(2025, 0, 8, 18) }]) {
      const [estimated] = l.queries.byModel(range, { exactPercentileLimit: 0 });
      const [exact] = l.queries.byModel(range);
      assert.equal(estimated.latency?.method, 'histogram');
      assert.equal(exact.latency?.method, 'exact');
      assert.equal(estimated.latency?.count, exact.latency?.count);
      for (const p of ['p50', 'p95', 'p99'] as const) {
        const rel = Math.abs(estimated.latency![p] - exact.latency![p]) / exact.latency![p];
        assert.ok(rel <= 0.045, `${p}: ${estimated.latency![p]} vs ${exact.latency![p]}`);
      }
      assert.ok(close(estimated.latency!.mean, exact.latency!.mean));
    }
    await l.close();
  } finally {
    cleanup();
  }
});

test('budget totals count today and this month, and "via this extension" leaves imported rows out', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const l = await open(dir);
    const now = Date.now();
    await l.appendGeneration(row({ ts: now - 1000, totalCost: 1 }));
    await l.appendGeneration(row({ ts: now - 40 * DAY, totalCost: 100 }));
    const file = `${dir}/import.jsonl`;
    writeFileSync(file, `${JSON.stringify({ ts: new Date(now - 2000).toISOString(), model: 'x/y', prompt_tokens: 1, completion_tokens: 1, cost: 2, id: 'imp-1' })}\n`);
    assert.equal((await l.importFile(file)).imported, 1);
    const budget = l.queries.budgetTotals('utc');
    const startOfDay = Math.floor(now / DAY) * DAY;
    const earlierToday = now - 2000 >= startOfDay;
    assert.equal(budget.todayViaExtension.cost, 1);
    assert.equal(budget.today.cost, earlierToday ? 3 : 1);
    assert.ok(budget.month.cost >= budget.today.cost && budget.month.cost < 100);
    await l.close();
  } finally {
    cleanup();
  }
});
