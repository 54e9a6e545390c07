/**
 * The Recent Generations tree's data from a real ledger (sql.js in a temp dir): grouping into
 * Today / Yesterday / This week / Older in the ledger's time zone (the clock is injected: `now`
 * is passed in), newest first, and what each row says — a price still awaited reads "pricing…",
 * an unknown one "cost unknown", never $0 — with one icon per status, including the newer
 * `pending` and `interrupted`. And paging: 50 rows at a time with "Load more…", by a (ts, uid)
 * cursor, over a real ledger of 120 rows where pairs of rows share a timestamp across the page
 * boundaries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalLedger, StoredGeneration } from '../../src/ledger';
import {
  costText, generationDescription, generationTooltip, groupGenerations, groupOfDay, statusIcon,
} from '../../src/views/generations/generationPresentation';
import { GenerationPages } from '../../src/views/generations/generationPages';
import { open, row, tempDir } from './helpers/ledgerFixtures';

// Wednesday 2026-03-11, 01:30 UTC — still Tuesday evening in New York.
const NOW = Date.parse('2026-03-11T01:30:00Z');
const at = (iso: string) => Date.parse(iso);

let ledger: LocalLedger;
let cleanup: () => void;
let rows: StoredGeneration[];

before(async () => {
  const tmp = tempDir('sidebar-generations-');
  cleanup = tmp.cleanup;
  ledger = await open(tmp.dir);
  for (const [ts, model] of [
    ['2026-03-11T01:00:00Z', 'today-utc'],
    ['2026-03-10T20:00:00Z', 'yesterday-utc'],
    ['2026-03-09T08:00:00Z', 'monday'],
    ['2026-03-08T08:00:00Z', 'last-sunday'],
    ['2025-12-01T08:00:00Z', 'december'],
  ] as const) {
    await ledger.appendGeneration(row({ ts: at(ts), modelRequested: model, modelUsed: model }));
  }
  rows = await ledger.queries.recent(50);
});

after(async () => {
  await ledger.close();
  cleanup();
});

describe('grouping', () => {
  it('groups by UTC day, newest first, weeks starting on Monday', () => {
    const groups = groupGenerations(rows, NOW, 'utc');
    assert.deepEqual(
      groups.map((g) => [g.id, g.rows.map((r) => r.model_used)]),
      [['today', ['today-utc']], ['yesterday', ['yesterday-utc']], ['week', ['monday']], ['older', ['last-sunday', 'december']]],
    );
  });

  it('groups by the local calendar of ledger.timeZone', () => {
    const groups = groupGenerations(rows, NOW, { timeZone: 'America/New_York' });
    // In New York it is Tuesday 2026-03-10 21:30: both of the last two rows are "today".
    assert.deepEqual(groups[0].rows.map((r) => r.model_used), ['today-utc', 'yesterday-utc']);
    assert.deepEqual(groups.find((g) => g.id === 'yesterday')?.rows.map((r) => r.model_used), ['monday']);
    assert.equal(groups.find((g) => g.id === 'week'), undefined, 'Sunday belongs to the previous week');
  });

  it('says "Yesterday" over "This week" on a Tuesday and "Older" for last week on a Monday', () => {
    assert.equal(groupOfDay('2026-03-09', '2026-03-10'), 'yesterday');
    assert.equal(groupOfDay('2026-03-08', '2026-03-09'), 'yesterday');
    assert.equal(groupOfDay('2026-03-07', '2026-03-09'), 'older');
    assert.equal(groupOfDay('2026-03-11', '2026-03-11'), 'today');
  });
});

describe('what a generation item says', () => {
  const stored = (overrides: Partial<StoredGeneration>): StoredGeneration => ({ ...rows[0], ...overrides });

  it('shows the exact cost once OpenRouter priced it, "pricing…" until then, never $0 for an unknown cost', () => {
    assert.equal(costText(stored({ total_cost: 0.0012, cost_source: 'generation', backfill: 'done' })), '$0.0012');
    assert.equal(costText(stored({ total_cost: 0.0012, cost_source: 'usage', backfill: 'pending' })), 'pricing… (~$0.0012)');
    assert.equal(costText(stored({ total_cost: null, cost_source: 'estimate', backfill: 'pending' })), 'pricing…');
    assert.equal(costText(stored({ total_cost: null, cost_source: 'usage', backfill: 'abandoned' })), 'cost unknown');
    assert.equal(costText(stored({ total_cost: 0.002, cost_source: 'estimate', backfill: 'none' })), '~$0.002 (estimate)');
  });

  it('has an icon for every status, and a clock for a success still being priced', () => {
    const icon = (status: string, backfill: StoredGeneration['backfill'] = 'done', source: StoredGeneration['cost_source'] = 'generation') =>
      statusIcon({ status: status as StoredGeneration['status'], backfill, cost_source: source });
    assert.equal(icon('success'), 'success');
    assert.equal(icon('success', 'pending', 'usage'), 'pricing');
    for (const s of ['error', 'timeout', 'cancelled', 'interrupted', 'pending']) assert.equal(icon(s), s);
  });

  it('describes cost, tokens, latency and local time, and puts the whole record in a plain-text tooltip', () => {
    const r = stored({ total_cost: 0.0012, cost_source: 'generation', backfill: 'done', prompt_tokens: 1000, completion_tokens: 234, latency_ms: 1234 });
    assert.equal(generationDescription(r, undefined, 'utc'), '$0.0012 · 1,234 tok · 1.2 s · 01:00');
    assert.equal(generationDescription(r, undefined, { timeZone: 'America/New_York' }), '$0.0012 · 1,234 tok · 1.2 s · 21:00');
    const tooltip = generationTooltip(r);
    assert.match(tooltip, /^Generation id: gen-/);
    assert.match(tooltip, /Model used: today-utc/);
    assert.match(tooltip, /Latency: 1\.2 s/);
    assert.match(tooltip, /Key: sk-or-v1-abc…wxyz/);
  });
});

describe('paging ("Load more…")', () => {
  const PAGE = 50;
  let paged: LocalLedger;
  let cleanupPaged: () => void;
  /** Every row's uid, in the order the tree must show them (worked out here, not by the ledger). */
  let expected: string[];

  before(async () => {
    const tmp = tempDir('sidebar-generations-pages-');
    cleanupPaged = tmp.cleanup;
    paged = await open(tmp.dir);
    // 120 rows: one alone, 59 pairs sharing a timestamp, one alone. Newest first, rows 49/50 and
    // 99/100 are pairs, so both page boundaries fall between two rows of the same millisecond.
    const timestamps = [0, ...Array.from({ length: 59 }, (_, i) => [i + 1, i + 1]).flat(), 60].map((i) => NOW - 1000 * 60 * 60 * 24 * 30 + i * 1000);
    const written: Array<{ ts: number; uid: string }> = [];
    for (const ts of timestamps) written.push({ ts, uid: await paged.appendGeneration(row({ ts, modelRequested: 'paged', modelUsed: 'paged' })) });
    expected = written.sort((a, b) => b.ts - a.ts || (a.uid < b.uid ? 1 : a.uid > b.uid ? -1 : 0)).map((w) => w.uid);
    assert.equal(new Set(expected).size, 120);
    assert.equal(expected.length, 120);
  });

  after(async () => {
    await paged.close();
    cleanupPaged();
  });

  const uids = (pages: GenerationPages) => pages.shown.map((r) => r.uid);

  it('shows one page and "Load more…"; each load adds the next page, with no row twice and none skipped', async () => {
    const pages = new GenerationPages(PAGE);
    await pages.reload(paged.queries);
    assert.equal(pages.shown.length, PAGE);
    assert.equal(pages.hasMore, true, '"Load more…" is offered');
    const groups = groupGenerations(pages.shown, NOW, 'utc');
    assert.deepEqual(groups.map((g) => [g.id, g.rows.length]), [['older', PAGE]], 'the group holds one page');
    assert.equal(pages.shown[PAGE - 1].ts, (await paged.queries.recent(PAGE + 1))[PAGE].ts, 'the first page ends inside a pair of equal timestamps');

    await pages.loadMore(paged.queries);
    assert.deepEqual(uids(pages), expected.slice(0, 2 * PAGE));
    assert.equal(pages.hasMore, true);
    await pages.loadMore(paged.queries);
    assert.deepEqual(uids(pages), expected, 'all 120 rows, each once, in order');
    assert.equal(pages.hasMore, false, 'no "Load more…" after the last row');
  });

  it('keeps paging from the last row shown when rows are written meanwhile, and a reload keeps as many rows', async () => {
    const pages = new GenerationPages(PAGE);
    await pages.reload(paged.queries);
    const newest = await paged.appendGeneration(row({ ts: NOW, modelRequested: 'written meanwhile', modelUsed: 'written meanwhile' }));
    await pages.loadMore(paged.queries);
    assert.deepEqual(uids(pages), expected.slice(0, 2 * PAGE), 'the new row moved nothing down into the second page');

    await pages.reload(paged.queries);
    assert.deepEqual(uids(pages), [newest, ...expected.slice(0, 2 * PAGE - 1)], 'the new row on top, still two pages shown');
    assert.equal(pages.hasMore, true);
  });

  it('reload and "Load more…" started together run one after the other', async () => {
    // (The newest row of the previous test is still there: page one is it and 49 of `expected`.)
    const pages = new GenerationPages(PAGE);
    await Promise.all([pages.reload(paged.queries), pages.loadMore(paged.queries)]);
    assert.equal(pages.shown.length, 2 * PAGE);
    assert.equal(new Set(uids(pages)).size, 2 * PAGE);
  });
});
