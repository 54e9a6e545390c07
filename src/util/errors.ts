import { isOpenRouterError } from '../openrouter/errors';
import { scrubSecrets } from '../keys/mask';
import { plainTranslate, type Translate } from './l10n';

/** The user-facing sentence for any failure, in the language of `t`; never contains a key. */
export function describeError(err: unknown, t: Translate = plainTranslate): string {
  if (isOpenRouterError(err)) return err.localizedMessage(t);
  return scrubSecrets(err instanceof Error ? err.message : String(err));
}
