import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCreditView, type CreditViewInput } from '../../src/views/creditTooltip';
import { EMPTY_STATE, type CreditReading } from '../../src/poller/creditState';
import { keyInfo } from './helpers/fixtures';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const MINUTE = 60_000;

function input(reading: Partial<CreditReading> | null, extra: Partial<CreditViewInput> = {}): CreditViewInput {
  return {
    state: {
      ...EMPTY_STATE,
      reading: reading
        ? { fetchedAt: NOW - 2 * MINUTE, key: keyInfo(), credits: { totalCredits: 25, totalUsage: 12.66 }, creditsNote: null, ...reading }
        : null,
    },
    hasKey: true,
    keySource: 'secret-storage',
    thresholds: { warnBelow: 5, criticalBelow: 1 },
    intervalMs: 5 * MINUTE,
    now: NOW,
    viaExtensionToday: null,
    ...extra,
  };
}

test('the status bar text carries the spendable amount as $12.34', () => {
  const view = buildCreditView(input({}));
  assert.match(view.text, /\$12\.34/);
  assert.equal(view.level, 'ok');
  assert.equal(view.stale, false);
});

test('the tooltip shows credits, key label, limit, usage, binding bound and age', () => {
  const md = buildCreditView(
    input({
      key: keyInfo({ limit: 50, limitRemaining: 30, limitReset: 'monthly', usageDaily: 0.5, usageWeekly: 2, usageMonthly: 20, byokUsage: 1, byokUsageMonthly: 1 }),
    }, { viaExtensionToday: { requests: 3, cost: 0.0042, uncosted: 0 } }),
  ).tooltipMarkdown;
  assert.match(md, /\$25\.00 purchased · \$12\.66 used · \$12\.34 left/);
  assert.ok(md.includes('sk-or-v1-0e6...1c96'), 'masked key label shown');
  assert.match(md, /\$50\.00 \(resets monthly\) · \$30\.00 remaining/);
  assert.match(md, /today \$0\.50 · week \$2\.00 · month \$20\.00/);
  assert.match(md, /BYOK usage/);
  assert.match(md, /Today \(UTC\) via this extension \| 3 requests · \$0\.0042 \|/);
  assert.match(md, /Bound by: account credits/);
  assert.match(md, /Updated 2 minutes ago/);
});

test('below the critical threshold the item is critical', () => {
  const view = buildCreditView(input({ credits: { totalCredits: 25, totalUsage: 24.5 } }));
  assert.equal(view.level, 'critical');
  assert.match(view.text, /\$0\.50/);
});

test('no bound at all shows today\'s usage and says "no limit"', () => {
  const view = buildCreditView(input({ credits: null, creditsNote: 'needs a management key', key: keyInfo({ usageDaily: 1.2 }) }));
  assert.match(view.text, /\$1\.20 today · no limit/);
  assert.match(view.tooltipMarkdown, /needs a management key/);
});

test('a failed refresh keeps the last value, marked stale with its age and the error', () => {
  const base = input({});
  base.state.lastError = { message: 'OpenRouter did not answer in time', at: NOW - MINUTE };
  const view = buildCreditView(base);
  assert.equal(view.stale, true);
  assert.match(view.text, /\$\(history\) \$12\.34/);
  assert.match(view.tooltipMarkdown, /Stale: the last refresh failed 1 minute ago: OpenRouter did not answer in time/);
});

test('a reading older than two intervals is stale even without an error', () => {
  const view = buildCreditView(input({ fetchedAt: NOW - 30 * MINUTE }));
  assert.equal(view.stale, true);
  assert.match(view.tooltipMarkdown, /Stale: last updated 30 minutes ago/);
});

test('without a key the item asks for one; with an error and no reading it says why', () => {
  assert.match(buildCreditView(input(null, { hasKey: false })).text, /set key/);
  const failed = input(null);
  failed.state.lastError = { message: 'Your OpenRouter key was rejected (401).', at: NOW };
  const view = buildCreditView(failed);
  assert.match(view.text, /\$\(error\)/);
  assert.match(view.tooltipMarkdown, /rejected \\\(401\\\)/);
});

test('hostile text from the server cannot inject markdown links or commands into the tooltip', () => {
  const view = buildCreditView(input({ key: keyInfo({ label: '[click](command:workbench.action.quit)' }) }));
  assert.ok(!view.tooltipMarkdown.includes('[click](command:'), view.tooltipMarkdown);
  assert.ok(view.tooltipMarkdown.includes('\\[click\\]\\(command:workbench.action.quit\\)'), 'the label is still shown, as inert text');
});

test('hostile text from the server cannot inject theme icons into the tooltip (rendered with supportThemeIcons)', () => {
  const view = buildCreditView(input({ key: keyInfo({ label: '$(alert) Pay now $(loading~spin)' }) }));
  const row = view.tooltipMarkdown.split('\n').find((line) => line.includes('Pay now')) ?? '';
  assert.ok(row.includes('\\\\$\\(alert\\) Pay now \\\\$\\(loading\\~spin\\)'), row);
  // VS Code parses the Markdown (a backslash escapes the punctuation after it), then draws every
  // $(name) of the resulting text that no backslash precedes as an icon.
  const text = row.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  assert.ok(!/(^|[^\\])\$\([A-Za-z0-9-]+(~[A-Za-z]+)?\)/.test(text), `an icon would be drawn from: ${text}`);
});

test('usage counters read before the current UTC day, week or month began are not shown as the current ones', () => {
  // Read on Sunday 2026-11-22 23:50 UTC; now is Monday 12:00: a new day and a new week, same month.
  const key = keyInfo({ limit: null, limitRemaining: null, usageDaily: 0.5, usageWeekly: 2, usageMonthly: 20 });
  const view = buildCreditView(input({ key, fetchedAt: Date.parse('2026-11-22T23:50:00Z') }, { intervalMs: 24 * 60 * MINUTE }));
  assert.match(view.tooltipMarkdown, /today — · week — · month \$20\.00/);
  assert.ok(!view.text.includes('$0.50'), `yesterday's usage is not today's: ${view.text}`);
});

test('today via this extension says "at least" while some of its requests have no cost yet', () => {
  const md = buildCreditView(input({}, { viaExtensionToday: { requests: 4, cost: 0.01, uncosted: 2 } })).tooltipMarkdown;
  assert.match(md, /Today \(UTC\) via this extension \| 4 requests · ≥ \$0\.01 \(2 of unknown cost\) \|/);
});
