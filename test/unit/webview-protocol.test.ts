/** What crosses into and out of the webviews: the embedded initial state and message validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCostWebviewMessage } from '../../src/webviews/costView/protocol';
import { parseHostMessage, parseViewState, parseWebviewMessage } from '../../src/webviews/dashboard/protocol';
import { embeddedJson } from '../../src/webviews/shared/embeddedJson';

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
  });

  it('drops unknown and malformed ones', () => {
    for (const bad of [null, 'ready', {}, { type: 'runCommand', command: 'workbench.action.quit' }, { type: 'export', format: 'exe' },
      { type: 'setRange', selection: { preset: '1y' } }, { type: 'setRange', selection: { preset: 'custom', fromDay: 'yesterday', toDay: '2025-01-01' } },
      { type: 'setWhatIfTarget', model: 'x'.repeat(500) }, { type: 'painted', charts: -1 }]) {
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
