/**
 * What crosses into and out of the webviews: the embedded initial state and message validation
 * both ways — deeply for the host's payloads, which are built here from a real ledger and then
 * broken one field at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepareCostView } from '../../src/webviews/costView/data';
import { parseCostHostMessage, parseCostWebviewMessage, type CostViewPayload } from '../../src/webviews/costView/protocol';
import { prepareDashboard } from '../../src/webviews/dashboard/data';
import { parseHostMessage, parseViewState, parseWebviewMessage, type DashboardPayload } from '../../src/webviews/dashboard/protocol';
import { embeddedJson } from '../../src/webviews/shared/embeddedJson';
import { open, row, tempDir } from './helpers/ledgerFixtures';

describe('initial state embedded in the HTML', () => {
  it('cannot close its script element or start markup, whatever a model name holds', () => {
    const state = { model: '</script><script>alert(1)</script><!--', sep: '\u2028\u2029', amp: 'a&b' };
    const text = embeddedJson(state);
    assert.ok(!/[<>&\u2028\u2029]/.test(text), text);
    assert.deepEqual(JSON.parse(text), state);
  });
});

describe('messages from the dashboard webview', () => {
  it('accepts the known messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'setRange', selection: { preset: 'custom', fromDay: '2025-01-01', toDay: '2025-01-31' } }), {
      type: 'setRange', selection: { preset: 'custom', fromDay: '2025-01-01', toDay: '2025-01-31' },
    });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'markdown' }), { type: 'export', format: 'markdown' });
    assert.deepEqual(parseWebviewMessage({ type: 'setSource', source: 'account' }), { type: 'setSource', source: 'account' });
    // The first paint's timeline (webview/shared/bootTimeline.ts), logged by the host.
    assert.deepEqual(parseWebviewMessage({ type: 'painted', charts: 6, marks: { page: 1.7e12, frame: 1.7e12 + 150 } }), { type: 'painted', charts: 6, marks: { page: 1.7e12, frame: 1.7e12 + 150 } });
  });

  it('drops unknown and malformed ones', () => {
    for (const bad of [null, 'ready', {}, { type: 'runCommand', command: 'workbench.action.quit' }, { type: 'export', format: 'exe' },
      { type: 'setRange', selection: { preset: '1y' } }, { type: 'setRange', selection: { preset: 'custom', fromDay: 'yesterday', toDay: '2025-01-01' } },
      { type: 'setWhatIfTarget', model: 'x'.repeat(500) }, { type: 'painted', charts: -1 },
      { type: 'setRange', selection: { preset: 'custom', fromDay: '2025-02-30', toDay: '2025-03-01' } }, { type: 'setSource' },
      { type: 'setWhatIfTarget', model: 42 }, { type: 'export', format: ['csv'] }, { type: 'painted', charts: 1.5 },
      { type: 'painted', charts: 6, marks: { frame: 'soon' } }, { type: 'painted', charts: 6, marks: { '<img src=x>': 1 } }, { type: 'painted', charts: 6, marks: [1] },
      { type: 'painted', charts: 6, marks: Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`m${'x'.repeat(i)}`, i])) }]) {
      assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
    }
  });

  it('restores only a well-formed saved view state', () => {
    assert.deepEqual(parseViewState({ selection: { preset: '90d' }, source: 'ledger', whatIfTarget: null }), { selection: { preset: '90d' }, source: 'ledger', whatIfTarget: null });
    assert.equal(parseViewState({ selection: { preset: '90d' }, source: 'somewhere', whatIfTarget: null }), null);
    assert.equal(parseViewState('junk'), null);
  });

  it('host messages without a payload shape are dropped by the app', () => {
    assert.equal(parseHostMessage({ type: 'update', payload: { kpis: {} } }), null);
    assert.equal(parseHostMessage({ type: 'error', message: 42 }), null);
  });
});

describe('messages from the cost view', () => {
  it('lets a click look up a generation id, and nothing else', () => {
    assert.deepEqual(parseCostWebviewMessage({ type: 'lookupGeneration', id: 'gen-1752314742-4dEgBjBERTRXlSwzYkUa' }), { type: 'lookupGeneration', id: 'gen-1752314742-4dEgBjBERTRXlSwzYkUa' });
    assert.equal(parseCostWebviewMessage({ type: 'lookupGeneration', id: 'gen-1; rm -rf /' }), null);
    assert.equal(parseCostWebviewMessage({ type: 'openSettings' }), null);
  });
});

describe('deep validation of what the host sends (shared by host and webviews)', () => {
  const now = Date.UTC(2025, 0, 20, 12);
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof open>>;
  let dashboard: DashboardPayload;
  let cost: CostViewPayload;

  before(async () => {
    dir = tempDir('webview-protocol-');
    ledger = await open(dir.dir);
    await ledger.appendGeneration(row({ ts: '2025-01-19T10:00:00Z', totalCost: 0.25 }));
    await ledger.appendGeneration(row({ ts: '2025-01-20T09:00:00Z', modelUsed: '<img src=x onerror=alert(1)>', totalCost: 0.5 }));
    await ledger.appendGeneration(row({ ts: '2025-01-20T10:00:00Z', totalCost: null, costSource: 'estimate' }));
    dashboard = await prepareDashboard(ledger.queries, {
      selection: { preset: '7d' }, source: 'ledger', whatIfTarget: null, now, timeZone: { timeZone: 'Europe/Berlin' },
      budget: { daily: 1, monthly: 10 }, balance: { amount: 3, binding: 'credits', keyLimit: null, totalCredits: 10, at: now }, catalogue: null,
    });
    cost = await prepareCostView(ledger.queries, { now, timeZone: 'utc', budget: { daily: 1, monthly: 0 }, balance: null });
  });

  after(async () => {
    await ledger?.close();
    dir?.cleanup();
  });

  /** A deep copy of `value` with `edit` applied (the host's payloads are plain data). */
  const tampered = <T>(value: T, edit: (copy: any) => void): T => {
    const copy = structuredClone(value);
    edit(copy);
    return copy;
  };

  it('accepts every payload the host really builds', () => {
    const reasons: string[] = [];
    assert.ok(parseHostMessage({ type: 'update', payload: dashboard }, (r) => reasons.push(r)), reasons.join());
    assert.ok(parseHostMessage({ type: 'breakdowns', generatedAt: now, sessions: dashboard.tables.sessions, tags: [], reconciliation: null }));
    assert.ok(parseCostHostMessage({ type: 'update', payload: cost }, (r) => reasons.push(r)), reasons.join());
  });

  it('drops a dashboard payload with any malformed field it would render, and says which', () => {
    const cases: [string, (p: any) => void][] = [
      ['payload.kpis.spend', (p) => (p.kpis.spend = '12')],
      ['payload.kpis.spend', (p) => (p.kpis.spend = Number.NaN)], // postMessage clones NaN and Infinity as they are
      ['payload.kpis.balance.amount', (p) => (p.kpis.balance.amount = Infinity)],
      ['payload.kpis.runway.kind', (p) => (p.kpis.runway = { kind: 'forever' })],
      ['payload.kpis.unknownCost.unit', (p) => (p.kpis.unknownCost = { count: 1, unit: 'guesses' })],
      ['payload.tables.models[0].label', (p) => (p.tables.models[0].label = { toString: 'x' })],
      ['payload.tables.users', (p) => delete p.tables.users],
      ['payload.daily.series[0].values', (p) => p.daily.series[0].values.pop()],
      ['payload.daily.series[0].values[0]', (p) => (p.daily.series[0].values[0] = null)],
      ['payload.hourly.requests', (p) => (p.hourly.requests = Array.from({ length: 25 }, () => 1))],
      ['payload.latency[0].p95', (p) => (p.latency[0].p95 = '9 ms')],
      ['payload.notices[0]', (p) => (p.notices = [42])],
      ['payload.unavailable.hourly', (p) => (p.unavailable = { hourly: 3 })],
      ['payload.whatIf.result', (p) => (p.whatIf.result = 'cheap')],
      ['payload.cumulative.actual', (p) => p.cumulative.actual.push(1)],
      ['payload.source', (p) => (p.source = 'elsewhere')],
    ];
    for (const [field, edit] of cases) {
      const reasons: string[] = [];
      assert.equal(parseHostMessage({ type: 'update', payload: tampered(dashboard, edit) }, (r) => reasons.push(r)), null, field);
      assert.ok(reasons[0]?.startsWith(`message.${field}`), `${field}: ${reasons[0]}`);
    }
    assert.equal(parseHostMessage({ type: 'breakdowns', generatedAt: now, sessions: [{ label: 'x', requests: 'many' }], tags: [], reconciliation: null }), null);
    assert.equal(parseHostMessage({ type: 'breakdowns', generatedAt: now, sessions: [], tags: [], reconciliation: { rows: [{ date: 1 }] } }), null);
  });

  it('drops a cost view payload with any malformed field it would render', () => {
    const cases: ((p: any) => void)[] = [
      (p) => (p.today.spent = null),
      (p) => (p.month = { spent: 1 }),
      (p) => (p.recent[0].model = 7),
      (p) => (p.recent[0].cost = '0.1'),
      (p) => (p.recent = 'five'),
      (p) => p.sparkline.cost.pop(),
      (p) => (p.barFraction = Number.POSITIVE_INFINITY),
      (p) => (p.runway = { kind: 'days', days: '3' }),
      (p) => (p.burn = { perDay: 1, source: 'guess' }),
    ];
    for (const edit of cases) assert.equal(parseCostHostMessage({ type: 'update', payload: tampered(cost, edit) }), null, edit.toString());
  });

  it('lets the cost view ask for a retry and be told why it has no figures', () => {
    assert.deepEqual(parseCostWebviewMessage({ type: 'retry' }), { type: 'retry' });
    assert.deepEqual(parseCostHostMessage({ type: 'error', message: 'The ledger could not be opened.' }), { type: 'error', message: 'The ledger could not be opened.' });
    assert.equal(parseCostHostMessage({ type: 'error', message: { text: 'x' } }), null);
  });

  it('offers every export format the ledger export writes, JSONL included', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'jsonl' }), { type: 'export', format: 'jsonl' });
  });
});
