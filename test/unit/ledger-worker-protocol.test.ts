import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LedgerTooLargeError, LedgerValidationError } from '../../src/ledger';
import {
  decodeArgs, encodeArgs, fromWireError, parseHostMessage, parseWorkerMessage, ProtocolError, toWireError, type Ref,
} from '../../src/ledger/worker/protocol';

test('malformed messages are refused on both sides with a sentence naming their type', () => {
  for (const bad of [null, 'call', { type: 'call', id: -1, target: 'ledger', method: 'rowCount', args: [] },
    { type: 'call', id: 1, target: 'db', method: 'rowCount', args: [] }, { type: 'call', id: 1, target: 'ledger', method: 5, args: [] },
    { type: 'open', options: { dir: '/x', wasmPath: '/y', pollIntervalMs: -5 } }, { type: 'evil' }]) {
    assert.throws(() => parseHostMessage(bad), (err: Error) => err instanceof ProtocolError && /The ledger worker received a malformed message/.test(err.message));
  }
  for (const bad of [{ type: 'result' }, { type: 'log', level: 'fatal', message: 'x' }, { type: 'opened', writerId: 'w', surface: { ledger: { methods: [1] } } },
    { type: 'failed', id: 2, error: { message: 'no name' } }, { type: 'externalChange', change: { writers: 'a', kinds: [] } }]) {
    assert.throws(() => parseWorkerMessage(bad), /The ledger client received a malformed message/);
  }
  assert.deepEqual(parseHostMessage({ type: 'cancel', signal: 3 }), { type: 'cancel', signal: 3 });
});

test('errors keep the classes callers test for, and the message, code and stack', () => {
  const validation = fromWireError(toWireError(new LedgerValidationError('modelRequested is required')));
  assert.ok(validation instanceof LedgerValidationError);
  assert.equal(validation.message, 'modelRequested is required');
  assert.ok(fromWireError(toWireError(new LedgerTooLargeError('too big'))) instanceof LedgerTooLargeError);
  const io = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  const crossed = fromWireError(toWireError(io)) as NodeJS.ErrnoException;
  assert.equal(crossed.code, 'EACCES');
  assert.equal(crossed.stack, io.stack);
  const abort = new Error('Verification cancelled.');
  abort.name = 'AbortError';
  assert.equal(fromWireError(toWireError(abort)).name, 'AbortError');
});

test('callbacks and abort signals cross as references, other arguments untouched', () => {
  const onProgress = () => undefined;
  const signal = new AbortController().signal;
  const registered: unknown[] = [];
  const encoded = encodeArgs(['csv', { from: 1 }, '/out', { onProgress, signal, tz: 'utc' }], (v) => {
    registered.push(v);
    return { $ledgerRef: typeof v === 'function' ? 'callback' : 'signal', id: registered.length };
  });
  assert.deepEqual(registered, [onProgress, signal]);
  assert.deepEqual(encoded, ['csv', { from: 1 }, '/out', { onProgress: { $ledgerRef: 'callback', id: 1 }, signal: { $ledgerRef: 'signal', id: 2 }, tz: 'utc' }]);
  assert.doesNotThrow(() => structuredClone(encoded));
  const resolved: Ref[] = [];
  const decoded = decodeArgs(encoded, (ref) => (resolved.push(ref), `resolved-${ref.id}`));
  assert.deepEqual(decoded[3], { onProgress: 'resolved-1', signal: 'resolved-2', tz: 'utc' });
});
