import assert from 'node:assert/strict';
import { OpenRouterError } from '../../../src/openrouter/errors';

/** The OpenRouterError a call fails with; fails the test when it succeeds or fails otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<OpenRouterError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OpenRouterError, `expected OpenRouterError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}
