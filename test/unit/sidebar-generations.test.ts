/**
 * The Recent Generations tree's data from a real ledger (sql.js in a temp dir): grouping into
 * Today / Yesterday / This week / Older in the ledger's time zone (the clock is injected: `now`
 * is passed in), newest first, and what each row says — a price still awaited reads "pricing…",
 * an unknown one "cost unknown", never $0 — with one icon per status, including the newer
 * `pending` and `interrupted`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalLedger, StoredGeneration } from '../../src/ledger';
import {
  costText, generationDescription, generationTooltip, groupGenerations, groupOfDay, statusIcon,
} from '../../src/views/generations/generationPresentation';
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
