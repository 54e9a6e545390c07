/**
 * The user-facing sentence and settings page for every failure. Kept apart from errors.ts so the
 * wording can be read (and reviewed) in one place. Server text is only ever quoted after
 * `scrubSecrets` (OpenRouterError scrubs `serverMessage` and the final sentence).
 */
import type { OpenRouterError } from './errors';

const SET_API_KEY = '“OpenRouter: Set API Key”';
const SET_MANAGEMENT_KEY = '“OpenRouter: Set Management Key”';
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

export function describeError(e: ErrorFacts): Described {
  switch (e.kind) {
    case 'missing-key':
      return e.keyKind === 'management'
        ? { userMessage: `This needs an OpenRouter management key, and none is set. Run ${SET_MANAGEMENT_KEY} to add one.`, settingsUrl: SETTINGS_URLS.managementKeys }
        : { userMessage: `No OpenRouter API key is set. Run ${SET_API_KEY} to add one.`, settingsUrl: SETTINGS_URLS.keys };
    case 'timeout':
      return {
        userMessage: `OpenRouter did not answer within ${formatDuration(e.timeoutMs ?? 0)}. Try again, or raise the request timeout in the settings.`,
        settingsUrl: null,
      };
    case 'aborted':
      return { userMessage: 'The request to OpenRouter was cancelled.', settingsUrl: null };
    case 'malformed':
      return { userMessage: 'OpenRouter sent a response that could not be read. Nothing was changed; try again later.', settingsUrl: null };
    case 'network':
      return describeNetwork(e);
    case 'http':
      return describeHttp(e);
  }
}

function describeNetwork(e: ErrorFacts): Described {
  if (e.code === STREAM_TRUNCATED) {
    return {
      userMessage: 'The connection to OpenRouter closed before the reply was complete. The partial reply may still be billed.',
      settingsUrl: null,
    };
  }
  if (e.code === PROXY_REFUSED) {
    const needsAuth = /\b407\b/.test(e.serverMessage ?? '');
    return {
      userMessage: `The proxy refused to connect to OpenRouter (${e.serverMessage ?? 'no reason given'}). ${needsAuth ? 'It requires authentication: check the proxy user name and password.' : 'Check the proxy settings.'}`,
      settingsUrl: null,
    };
  }
  if (e.certificateProblem) {
    return {
      userMessage: `The TLS certificate presented for OpenRouter could not be verified (${String(e.code)}). If your network inspects HTTPS through a proxy, add that proxy's CA certificate in the settings.`,
      settingsUrl: null,
    };
  }
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return {
    userMessage: `Could not reach OpenRouter${code}. Check your internet connection and proxy settings.`,
    settingsUrl: null,
  };
}

function quoted(e: ErrorFacts): string {
  return e.serverMessage ? `: ${e.serverMessage.replace(/\.?\s*$/, '')}` : '';
}

function describeHttp(e: ErrorFacts): Described {
  const status = e.status ?? 0;
  if (status === 401) return describe401(e);
  if (status === 402) return describe402(e);
  if (status === 403) return describe403(e);
  if (status === 404) return { userMessage: `OpenRouter could not find what was asked for (404)${quoted(e)}.`, settingsUrl: null };
  if (status === 408) return { userMessage: 'OpenRouter timed out while handling the request (408). Try again.', settingsUrl: null };
  if (status === 429) {
    const detail = e.metadata?.raw ?? e.serverMessage;
    return {
      userMessage: `OpenRouter is rate-limiting requests${detail ? ` (${detail.replace(/\.?\s*$/, '')})` : ''}. ${retryWhen(e.retryAfterMs)}`,
      settingsUrl: null,
    };
  }
  if (status >= 500) return { userMessage: describe5xx(status, e), settingsUrl: null };
  return { userMessage: `OpenRouter rejected the request (${status})${quoted(e)}.`, settingsUrl: null };
}

function describe401(e: ErrorFacts): Described {
  if (e.keyKind === 'management') {
    return {
      userMessage: `OpenRouter rejected the management key: it is invalid, disabled or revoked. Run ${SET_MANAGEMENT_KEY} to enter a working one.`,
      settingsUrl: SETTINGS_URLS.managementKeys,
    };
  }
  return {
    userMessage: `OpenRouter rejected the API key: it is invalid, disabled or revoked. Run ${SET_API_KEY} to enter a working one.`,
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

function describe402(e: ErrorFacts): Described {
  switch (paymentCause(e)) {
    case 'in-flight':
      return {
        userMessage: `Your remaining OpenRouter credit is held by requests that are still running. ${retryWhen(e.retryAfterMs)} Adding credits also helps.`,
        settingsUrl: SETTINGS_URLS.credits,
      };
    case 'key-limit':
      return {
        userMessage: "This API key has reached its spending limit on OpenRouter. Raise the key's limit or use another key.",
        settingsUrl: SETTINGS_URLS.keys,
      };
    case 'credits': {
      const fewerTokens = /max_tokens|fewer/i.test(e.serverMessage ?? '') ? ', or ask for a shorter reply (lower max tokens)' : '';
      return {
        userMessage: `Your OpenRouter account does not have enough credits for this request. Add credits${fewerTokens}.`,
        settingsUrl: SETTINGS_URLS.credits,
      };
    }
  }
}

function describe403(e: ErrorFacts): Described {
  if (/management key|provisioning key/i.test(e.serverMessage ?? '')) {
    return {
      userMessage: `This needs an OpenRouter management key; the API key is not allowed to do it. Create a management key and run ${SET_MANAGEMENT_KEY}.`,
      settingsUrl: SETTINGS_URLS.managementKeys,
    };
  }
  return { userMessage: `OpenRouter refused the request (403)${quoted(e)}.`, settingsUrl: null };
}

function describe5xx(status: number, e: ErrorFacts): string {
  const provider = e.metadata?.providerName ? ` (${e.metadata.providerName})` : '';
  if (status === 502) return `The model provider${provider} returned an error (502). Try again shortly, or pick another model.`;
  if (status === 503 || status === 529) {
    return `OpenRouter or the model provider${provider} is overloaded right now (${status}). ${retryWhen(e.retryAfterMs)}`;
  }
  if (status === 504 || status === 524) return `The model provider${provider} took too long to answer (${status}). Try again shortly.`;
  return `OpenRouter had a server error (${status}). Try again in a moment.`;
}

function retryWhen(retryAfterMs: number | null): string {
  if (retryAfterMs === null) return 'Try again in a moment.';
  if (retryAfterMs < 1500) return 'Try again in a second.';
  return `Try again in ${formatDuration(retryAfterMs)}.`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return `about ${hours} hour${hours === 1 ? '' : 's'}`;
}
