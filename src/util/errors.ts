import { isOpenRouterError } from '../openrouter/errors';
import { scrubSecrets } from '../keys/mask';

/** The user-facing sentence for any failure; never contains a key. */
export function describeError(err: unknown): string {
  if (isOpenRouterError(err)) return err.userMessage;
  return scrubSecrets(err instanceof Error ? err.message : String(err));
}
