/**
 * What the Create Key flow tells the user (no `vscode` import). When the request may have
 * reached OpenRouter but its answer did not come back (a timeout, a dropped connection, an answer
 * that could not be read, a gateway error), the key may exist all the same, with a secret nobody
 * saw: the user is told to check the list and delete it. Storing the new key as the API key when
 * one is already stored replaces that one for good, so it is asked first.
 */
import { isOpenRouterError, PROXY_REFUSED } from '../../openrouter/errors';
import { plainTranslate, type Translate } from '../../util/l10n';

/** Socket errors raised before a byte of the request left: nothing can have been created. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', PROXY_REFUSED]);

export function createMayHaveSucceeded(err: unknown): boolean {
  if (!isOpenRouterError(err)) return false;
  switch (err.kind) {
    case 'timeout':
    case 'malformed':
      return true;
    case 'network':
      return !err.certificateProblem && !NEVER_SENT_CODES.has(String(err.code));
    case 'http':
      return err.status !== null && err.status >= 500;
    default:
      return false;
  }
}

/** `why` is the failure in the user's words (the client error's localized message). */
export function createFailureMessage(err: unknown, why: string, t: Translate = plainTranslate): string {
  const failed = t('{0} failed: {1}', t('Create Key'), why);
  return createMayHaveSucceeded(err) ? `${failed} ${t('The key may have been created: check the Keys list and delete it if so.')}` : failed;
}

/** `currentMasked` is the stored API key as `maskKey` shows it. */
export function replaceKeyQuestion(currentMasked: string, t: Translate = plainTranslate): string {
  return t("Replace the API key in use ({0}) with the new key? The current key's secret cannot be shown again.", currentMasked);
}
