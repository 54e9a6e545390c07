/**
 * OpenRouter's error envelope `{"error":{"code","message","metadata?"},"user_id?"}` and the
 * realistic messages the simulator answers with. For request-level errors status == error.code.
 */
import { ServerResponse } from 'node:http';
import { sendJson } from './http';
import { CREATOR_USER_ID } from './state';

export const MSG = {
  noAuth: 'No cookie auth credentials found',
  userNotFound: 'User not found.',
  keyDisabled: 'This API key has been disabled',
  keyExpired: 'This API key has expired',
  managementOnly: 'Only management keys can perform this operation',
  managementOnInference: 'Management keys cannot be used for inference requests. Use a regular API key.',
  generationNotFound: 'Generation not found',
  resourceNotFound: 'Resource not found',
  activityWindow: 'Date must be within the last 30 completed UTC days',
} as const;

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Invalid request parameters',
  401: MSG.userNotFound,
  402: 'Insufficient credits. Add more using https://openrouter.ai/credits',
  403: MSG.managementOnly,
  404: MSG.resourceNotFound,
  408: 'Operation timed out. Please try again later.',
  413: 'Payload too large',
  422: 'Unprocessable entity',
  429: 'Rate limit exceeded',
  500: 'Internal Server Error',
  502: 'Provider returned error',
  503: 'Service temporarily unavailable',
  504: 'Gateway timeout',
  524: 'Request timed out at the edge',
  529: 'Provider overloaded',
};

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request', 401: 'authentication', 402: 'payment_required', 403: 'permission_denied', 404: 'not_found',
  408: 'timeout', 413: 'payload_too_large', 422: 'unprocessable', 429: 'rate_limit_exceeded', 500: 'server',
  502: 'provider_unavailable', 503: 'provider_overloaded', 504: 'timeout',
};

export function defaultMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `HTTP ${status}`;
}

export function errorTypeOf(status: number): string {
  return ERROR_TYPES[status] ?? 'server';
}

export interface ErrorBody {
  /** `code` is absent only in model-availability errors (see availabilityError). */
  error: { code?: number; message: string; metadata?: Record<string, unknown> };
  user_id?: string;
}

export function errorBody(status: number, message = defaultMessage(status), metadata?: Record<string, unknown>, withUser = false): ErrorBody {
  const body: ErrorBody = { error: { code: status, message } };
  if (metadata) body.error.metadata = metadata;
  if (withUser) body.user_id = CREATOR_USER_ID;
  return body;
}

export function sendError(res: ServerResponse, status: number, message?: string, metadata?: Record<string, unknown>, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(status, message, metadata, status === 402 || status === 429), headers);
}

export type LimitSource = 'openrouter_credits' | 'openrouter_key_limit' | 'openrouter_in_flight_budget';

const REMEDY: Record<LimitSource, string> = {
  openrouter_credits: 'Add credits at https://openrouter.ai/settings/credits, or request fewer max_tokens.',
  openrouter_key_limit: 'Raise this key\'s limit at https://openrouter.ai/settings/keys, wait for it to reset, or request fewer max_tokens.',
  openrouter_in_flight_budget: 'Retry after your in-flight requests settle (see the Retry-After header), or add credits.',
};

/** Pre-flight 402: the balance or the key limit cannot cover prompt + max_tokens. */
export function paymentRequired(source: LimitSource, requested: number, affordable: number): ErrorBody {
  const tail = source === 'openrouter_key_limit'
    ? 'To increase, visit https://openrouter.ai/settings/keys and create a key with a higher monthly limit'
    : 'To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account';
  const message = source === 'openrouter_in_flight_budget'
    ? 'This request would exceed your available credits given your current in-flight requests. Retry after in-flight requests settle, or add credits.'
    : `This request requires more credits, or fewer max_tokens. You requested up to ${requested} tokens, but can only afford ${affordable}. ${tail}`;
  const metadata: Record<string, unknown> = { provider_name: null, limit_source: source, remedy_hint: REMEDY[source] };
  if (source === 'openrouter_in_flight_budget') metadata.reason = 'in_flight_budget_exhausted';
  return errorBody(402, message, metadata, true);
}

/**
 * Model-availability errors carry `error.availability`, and, as in the docs' examples,
 * `error.error_type` and `error.http_status` instead of `error.code` (errors-and-debugging).
 */
export function availabilityError(status: number, code: string, message: string, requestedModels: string[], extra: Record<string, unknown> = {}): ErrorBody {
  const error: Record<string, unknown> = {
    message,
    error_type: errorTypeOf(status),
    http_status: status,
    availability: {
      code, retryable: code !== 'model_not_found' && code !== 'no_endpoints', requested_models: requestedModels,
      docs_url: 'https://openrouter.ai/docs/api-reference/errors-and-debugging', ...extra,
    },
  };
  return { error: error as ErrorBody['error'] };
}

/** 403 "Budget limit exceeded": an OpenRouter-side budget (guardrail, workspace or key) stopped the request. */
export function budgetExceeded(source: string, nowMs: number): ErrorBody {
  const tomorrow = new Date(nowMs);
  tomorrow.setUTCHours(24, 0, 0, 0);
  return errorBody(403, 'Budget limit exceeded', {
    limit_source: source,
    scope: 'daily',
    limit_usd: 5,
    spend_usd: 5.0042,
    resets_at: tomorrow.toISOString(),
    remedy_hint: 'Raise the budget in your OpenRouter settings, or wait until it resets.',
  }, true);
}
