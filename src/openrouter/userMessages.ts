/**
 * The user-facing sentence and settings page for every failure. Kept apart from errors.ts so the
 * wording can be read (and reviewed) in one place. Every sentence is one literal template for
 * `t` (see util/l10n.ts); values arrive as arguments. Server text is only ever quoted after
 * `scrubSecrets` (OpenRouterError scrubs `serverMessage` and the final sentence).
 */
import { plainTranslate, type Translate } from '../util/l10n';
import { formatUsd } from '../util/money';
import type { OpenRouterError } from './errors';

export const SETTINGS_URLS = {
  credits: 'https://openrouter.ai/settings/credits',
  keys: 'https://openrouter.ai/settings/keys',
  managementKeys: 'https://openrouter.ai/settings/management-keys',
} as const;

/** Code used for a stream that ended without `[DONE]` and without an error event. */
export const STREAM_TRUNCATED = 'STREAM_TRUNCATED';
/** Code used when the HTTP proxy refused the CONNECT tunnel (e.g. 407 authentication required). */
export const PROXY_REFUSED = 'PROXY_REFUSED';

type Described = { userMessage: string; settingsUrl: string | null };
type ErrorFacts = Pick<
  OpenRouterError,
  'kind' | 'status' | 'code' | 'serverMessage' | 'metadata' | 'retryAfterMs' | 'keyKind' | 'timeoutMs' | 'certificateProblem'
>;

/** Command titles as the palette shows them (the same strings keyCommands.ts uses as titles). */
const setApiKey = (t: Translate) => t('OpenRouter: Set API Key');
const setManagementKey = (t: Translate) => t('OpenRouter: Set Management Key');

export function describeError(e: ErrorFacts, t: Translate = plainTranslate): Described {
  switch (e.kind) {
    case 'missing-key':
      return e.keyKind === 'management'
        ? {
            userMessage: t('This needs an OpenRouter management key, and none is set. Run “{0}” to add one.', setManagementKey(t)),
            settingsUrl: SETTINGS_URLS.managementKeys,
          }
        : { userMessage: t('No OpenRouter API key is set. Run “{0}” to add one.', setApiKey(t)), settingsUrl: SETTINGS_URLS.keys };
    case 'timeout':
      return {
        userMessage: t(
          'OpenRouter did not answer within {0}. Try again, or raise the request timeout in the settings.',
          formatDuration(e.timeoutMs ?? 0, t),
        ),
        settingsUrl: null,
      };
    case 'aborted':
      return { userMessage: t('The request to OpenRouter was cancelled.'), settingsUrl: null };
    case 'malformed':
      return { userMessage: t('OpenRouter sent a response that could not be read. Nothing was changed; try again later.'), settingsUrl: null };
    case 'network':
      return { userMessage: describeNetwork(e, t), settingsUrl: null };
    case 'http':
      return describeHttp(e, t);
  }
}

function describeNetwork(e: ErrorFacts, t: Translate): string {
  if (e.code === STREAM_TRUNCATED) {
    return t('The connection to OpenRouter closed before the reply was complete. The partial reply may still be billed.');
  }
  if (e.code === PROXY_REFUSED) {
    const reason = e.serverMessage ?? t('no reason given');
    return /\b407\b/.test(e.serverMessage ?? '')
      ? t('The proxy refused to connect to OpenRouter ({0}). It requires authentication: check the proxy user name and password.', reason)
      : t('The proxy refused to connect to OpenRouter ({0}). Check the proxy settings.', reason);
  }
  if (e.certificateProblem) {
    return t(
      "The TLS certificate presented for OpenRouter could not be verified ({0}). If your network inspects HTTPS through a proxy, add that proxy's CA certificate in the settings.",
      String(e.code),
    );
  }
  return typeof e.code === 'string'
    ? t('Could not reach OpenRouter ({0}). Check your internet connection and proxy settings.', e.code)
    : t('Could not reach OpenRouter. Check your internet connection and proxy settings.');
}

/** OpenRouter's own message without its final full stop, for quoting; null when there is none. */
function serverText(e: ErrorFacts): string | null {
  return e.serverMessage ? e.serverMessage.replace(/\.?\s*$/, '') : null;
}

function describeHttp(e: ErrorFacts, t: Translate): Described {
  const status = e.status ?? 0;
  if (status === 401) return describe401(e, t);
  if (status === 402) return describe402(e, t);
  if (status === 403) return describe403(e, t);
  const text = serverText(e);
  const cap = e.metadata?.availabilityCode === 'no_endpoints' ? e.metadata.constraintField : null;
  if (cap?.startsWith('provider.max_price')) {
    return {
      userMessage: t(
        'OpenRouter found no provider for this model within the price cap sent with the request ({0}, derived from your per-request budget). Raise the per-request budget, or pick a cheaper model.',
        cap,
      ),
      settingsUrl: null,
    };
  }
  if (status === 404) {
    const userMessage =
      text === null
        ? t('OpenRouter could not find what was asked for (404).')
        : t('OpenRouter could not find what was asked for (404): {0}.', text);
    return { userMessage, settingsUrl: null };
  }
  if (status === 408) return { userMessage: t('OpenRouter timed out while handling the request (408). Try again.'), settingsUrl: null };
  if (status === 429 && (e.metadata?.limitSource === 'openrouter_free_tier_daily' || /free-models-per-day/.test(e.serverMessage ?? ''))) {
    const retry = retryWhen(e.retryAfterMs, t);
    const limit = e.metadata?.rateLimitLimit;
    return {
      userMessage:
        limit != null
          ? t("You have used today's free-model requests on OpenRouter ({0} per day; the count resets at 00:00 UTC). {1} Add credits for a higher daily limit, or pick a paid model.", limit, retry)
          : t("You have used today's free-model requests on OpenRouter (the count resets at 00:00 UTC). {0} Add credits for a higher daily limit, or pick a paid model.", retry),
      settingsUrl: SETTINGS_URLS.credits,
    };
  }
  if (status === 429) {
    const detail = e.metadata?.raw ?? e.serverMessage;
    const retry = retryWhen(e.retryAfterMs, t);
    const userMessage = detail
      ? t('OpenRouter is rate-limiting requests ({0}). {1}', detail.replace(/\.?\s*$/, ''), retry)
      : t('OpenRouter is rate-limiting requests. {0}', retry);
    return { userMessage, settingsUrl: null };
  }
  if (status >= 500) return { userMessage: describe5xx(status, e, t), settingsUrl: null };
  const userMessage =
    text === null ? t('OpenRouter rejected the request ({0}).', status) : t('OpenRouter rejected the request ({0}): {1}.', status, text);
  return { userMessage, settingsUrl: null };
}

function describe401(e: ErrorFacts, t: Translate): Described {
  if (e.keyKind === 'management') {
    return {
      userMessage: t(
        'OpenRouter rejected the management key: it is invalid, disabled or revoked. Run “{0}” to enter a working one.',
        setManagementKey(t),
      ),
      settingsUrl: SETTINGS_URLS.managementKeys,
    };
  }
  return {
    userMessage: t('OpenRouter rejected the API key: it is invalid, disabled or revoked. Run “{0}” to enter a working one.', setApiKey(t)),
    settingsUrl: SETTINGS_URLS.keys,
  };
}

type PaymentCause = 'credits' | 'key-limit' | 'in-flight';

function paymentCause(e: ErrorFacts): PaymentCause {
  const source = e.metadata?.limitSource;
  if (source === 'openrouter_in_flight_budget' || e.metadata?.reason === 'in_flight_budget_exhausted') return 'in-flight';
  if (source === 'openrouter_key_limit') return 'key-limit';
  if (source === 'openrouter_credits') return 'credits';
  const text = e.serverMessage ?? '';
  if (/in-flight|in flight/i.test(text)) return 'in-flight';
  if (/settings\/keys|key limit|limit (?:of|on|for) (?:this|the|your) key|key'?s? (?:spending )?limit/i.test(text)) return 'key-limit';
  return 'credits';
}

function describe402(e: ErrorFacts, t: Translate): Described {
  switch (paymentCause(e)) {
    case 'in-flight':
      return {
        userMessage: t(
          'Your remaining OpenRouter credit is held by requests that are still running. {0} Adding credits also helps.',
          retryWhen(e.retryAfterMs, t),
        ),
        settingsUrl: SETTINGS_URLS.credits,
      };
    case 'key-limit':
      return {
        userMessage: t("This API key has reached its spending limit on OpenRouter. Raise the key's limit or use another key."),
        settingsUrl: SETTINGS_URLS.keys,
      };
    case 'credits':
      return {
        userMessage: /max_tokens|fewer/i.test(e.serverMessage ?? '')
          ? t('Your OpenRouter account does not have enough credits for this request. Add credits, or ask for a shorter reply (lower max tokens).')
          : t('Your OpenRouter account does not have enough credits for this request. Add credits.'),
        settingsUrl: SETTINGS_URLS.credits,
      };
  }
}

const BUDGET_SOURCES = new Set(['openrouter_guardrail_budget', 'openrouter_workspace_budget', 'openrouter_key_limit']);

/** 403 "Budget limit exceeded": a budget set on OpenRouter (guardrail, workspace or the key's limit) stopped the request. */
function describeBudget403(e: ErrorFacts, t: Translate): Described {
  const m = e.metadata;
  const which =
    m?.limitSource === 'openrouter_workspace_budget'
      ? t('your OpenRouter workspace budget')
      : m?.limitSource === 'openrouter_guardrail_budget'
        ? t('an OpenRouter guardrail budget')
        : m?.limitSource === 'openrouter_key_limit'
          ? t("this key's limit on OpenRouter")
          : t('a budget on OpenRouter');
  const resets = m?.resetsAt && !Number.isNaN(Date.parse(m.resetsAt)) ? `${new Date(m.resetsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC` : null;
  const spent = m?.spendUsd != null && m.limitUsd != null ? t('{0} of {1} spent', formatUsd(m.spendUsd), formatUsd(m.limitUsd)) : null;
  const userMessage =
    spent && resets
      ? t('This request was stopped by {0} ({1}). It resets {2}.', which, spent, resets)
      : spent
        ? t('This request was stopped by {0} ({1}).', which, spent)
        : resets
          ? t('This request was stopped by {0}. It resets {1}.', which, resets)
          : t('This request was stopped by {0}.', which);
  return { userMessage, settingsUrl: m?.limitSource === 'openrouter_key_limit' ? SETTINGS_URLS.keys : null };
}

function describe403(e: ErrorFacts, t: Translate): Described {
  if (BUDGET_SOURCES.has(e.metadata?.limitSource ?? '') || /budget limit exceeded/i.test(e.serverMessage ?? '')) return describeBudget403(e, t);
  if (/management key|provisioning key/i.test(e.serverMessage ?? '')) {
    return {
      userMessage: t(
        'This needs an OpenRouter management key; the API key is not allowed to do it. Create a management key and run “{0}”.',
        setManagementKey(t),
      ),
      settingsUrl: SETTINGS_URLS.managementKeys,
    };
  }
  const text = serverText(e);
  const userMessage = text === null ? t('OpenRouter refused the request (403).') : t('OpenRouter refused the request (403): {0}.', text);
  return { userMessage, settingsUrl: null };
}

function describe5xx(status: number, e: ErrorFacts, t: Translate): string {
  const provider = e.metadata?.providerName;
  if (status === 502) {
    return provider
      ? t('The model provider ({0}) returned an error (502). Try again shortly, or pick another model.', provider)
      : t('The model provider returned an error (502). Try again shortly, or pick another model.');
  }
  if (status === 503 || status === 529) {
    const retry = retryWhen(e.retryAfterMs, t);
    return provider
      ? t('OpenRouter or the model provider ({0}) is overloaded right now ({1}). {2}', provider, status, retry)
      : t('OpenRouter or the model provider is overloaded right now ({0}). {1}', status, retry);
  }
  if (status === 504 || status === 524) {
    return provider
      ? t('The model provider ({0}) took too long to answer ({1}). Try again shortly.', provider, status)
      : t('The model provider took too long to answer ({0}). Try again shortly.', status);
  }
  return t('OpenRouter had a server error ({0}). Try again in a moment.', status);
}

function retryWhen(retryAfterMs: number | null, t: Translate): string {
  if (retryAfterMs === null) return t('Try again in a moment.');
  if (retryAfterMs < 1500) return t('Try again in a second.');
  return t('Try again in {0}.', formatDuration(retryAfterMs, t));
}

export function formatDuration(ms: number, t: Translate = plainTranslate): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return seconds === 1 ? t('1 second') : t('{0} seconds', seconds);
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return t('{0} minutes', minutes);
  const hours = Math.round(minutes / 60);
  return hours === 1 ? t('about 1 hour') : t('about {0} hours', hours);
}
