/**
 * The OpenRouter API base URL: the one default and the one normalisation, used by the settings
 * reader (which reports a problem to the user) and by the client itself.
 */
import { plainTranslate, type Translate } from '../util/l10n';

export const DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1';

/**
 * Trims whitespace and trailing slashes. Empty means the default; anything that is not an
 * http(s) URL, or that carries credentials, is replaced by the default with a problem naming
 * `setting` (keys must never be sent anywhere unexpected).
 */
export function normalizeBaseUrl(raw: unknown, t: Translate = plainTranslate, setting = 'openrouterLedger.baseUrl'): { url: string; problem?: string } {
  if (typeof raw !== 'string' || raw.trim() === '') return { url: DEFAULT_BASE_URL };
  const trimmed = raw.trim().replace(/\/+$/, '');
  try {
    const parsed = new URL(trimmed);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return { url: DEFAULT_BASE_URL, problem: t('Setting {0} must be an http(s) URL; using {1}.', setting, DEFAULT_BASE_URL) };
    }
    if (parsed.username || parsed.password) {
      return { url: DEFAULT_BASE_URL, problem: t('Setting {0} must not contain credentials; using {1}.', setting, DEFAULT_BASE_URL) };
    }
    return { url: trimmed };
  } catch {
    return { url: DEFAULT_BASE_URL, problem: t('Setting {0} is not a valid URL; using {1}.', setting, DEFAULT_BASE_URL) };
  }
}
