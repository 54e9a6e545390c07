/**
 * Normalized shapes of OpenRouter's API as the rest of the extension sees them.
 * The client parses raw JSON tolerantly into these (unknown fields ignored, optional fields
 * optional, decimal-string prices parsed, negative prices = unknown). See ../shared/openrouter-api.md.
 * No `vscode` import here: this folder is plain Node.
 */

export type LimitReset = 'daily' | 'weekly' | 'monthly' | null;

/** OpenRouter's two key kinds: ordinary API ("inference") keys and management keys. */
export type KeyKind = 'inference' | 'management';

/** Limits and spend (USD) that `/key` and the `/keys` key object share. */
export interface KeyLimitsAndUsage {
  /** Masked key text, e.g. `sk-or-v1-0e6...1c96` (sometimes a name). */
  label: string;
  limit: number | null;
  limitRemaining: number | null;
  limitReset: LimitReset;
  includeByokInLimit: boolean;
  usage: number;
  usageDaily: number | null;
  usageWeekly: number | null;
  usageMonthly: number | null;
  byokUsage: number | null;
  byokUsageDaily: number | null;
  byokUsageWeekly: number | null;
  byokUsageMonthly: number | null;
  creatorUserId: string | null;
  expiresAt: string | null;
}

/** `GET /key` — the calling key's limits and spend. */
export interface KeyInfo extends KeyLimitsAndUsage {
  isFreeTier: boolean;
  /** From `is_management_key`, falling back to the deprecated `is_provisioning_key`. */
  isManagementKey: boolean;
  freeModelDailyRequests: { used: number; limit: number; remaining: number } | null;
}

/** `GET /credits` — account totals (USD). */
export interface Credits {
  totalCredits: number;
  totalUsage: number;
}

/** One `GET /activity` row: per UTC day, model and endpoint. */
export interface ActivityRow {
  date: string; // YYYY-MM-DD (UTC)
  model: string;
  modelPermaslug: string;
  endpointId: string;
  providerName: string;
  usage: number;
  byokUsageInference: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  workspaceId: string | null;
}

export interface ActivityQuery {
  date?: string;
  apiKeyHash?: string;
  userId?: string;
  groupBy?: 'workspace';
  workspaceId?: string;
}

/** The management API's key object (`/keys`). */
export interface ApiKeyRecord extends KeyLimitsAndUsage {
  hash: string;
  name: string;
  disabled: boolean;
  createdAt: string; // normalized to ISO-8601 UTC with 'Z'
  updatedAt: string | null;
  workspaceId: string | null;
}

export interface CreateKeyRequest {
  name: string;
  limit?: number | null;
  limitReset?: LimitReset;
  includeByokInLimit?: boolean;
  expiresAt?: string | null;
  workspaceId?: string;
}

export type UpdateKeyRequest = Partial<Pick<CreateKeyRequest, 'name' | 'limit' | 'limitReset' | 'includeByokInLimit'>> & {
  disabled?: boolean;
};

/** `GET /generation?id=` — the exact, final record of one request. Every field but `id` may be null. */
export interface Generation {
  id: string;
  createdAt: string | null;
  model: string | null;
  providerName: string | null;
  router: string | null;
  totalCost: number | null;
  usage: number | null;
  cacheDiscount: number | null;
  upstreamInferenceCost: number | null;
  isByok: boolean | null;
  tokensPrompt: number | null;
  tokensCompletion: number | null;
  nativeTokensPrompt: number | null;
  nativeTokensCompletion: number | null;
  nativeTokensReasoning: number | null;
  nativeTokensCached: number | null;
  latencyMs: number | null;
  generationTimeMs: number | null;
  moderationLatencyMs: number | null;
  streamed: boolean | null;
  cancelled: boolean | null;
  finishReason: string | null;
  nativeFinishReason: string | null;
  origin: string | null;
  externalUser: string | null;
  /** The request's `session_id`. */
  sessionId: string | null;
  /** OpenRouter's id of the app the request is attributed to. */
  appId: number | null;
  /** One entry per provider attempt, in order (the fallback waterfall). */
  providerResponses: Array<{
    providerName: string | null;
    status: number | null;
    latencyMs: number | null;
    modelPermaslug: string | null;
    isByok: boolean | null;
  }> | null;
}

/**
 * Price of one unit in USD. `null` = unknown (absent, unparsable or negative, e.g. router
 * models with "-1"); `0` = free. Never guess an unknown price as zero.
 */
export type Price = number | null;

export interface PriceOverride {
  minPromptTokens?: number;
  /** HHMM, UTC, start inclusive, end exclusive, may wrap past midnight. */
  utcStart?: string;
  utcEnd?: string;
  prices: Partial<Record<PriceKey, Price>>;
}

export type PriceKey =
  | 'prompt'
  | 'completion'
  | 'request'
  | 'image'
  | 'webSearch'
  | 'internalReasoning'
  | 'inputCacheRead'
  | 'inputCacheWrite';

export interface ModelPricing {
  prompt: Price;
  completion: Price;
  request: Price;
  image: Price;
  webSearch: Price;
  internalReasoning: Price;
  inputCacheRead: Price;
  inputCacheWrite: Price;
  /** Fraction: prices are multiplied by (1 − discount). 0 when absent. */
  discount: number;
  overrides: PriceOverride[];
}

/** One `/models` entry. */
export interface ModelInfo {
  id: string;
  canonicalSlug: string | null;
  name: string;
  created: number | null;
  contextLength: number | null;
  maxCompletionTokens: number | null;
  pricing: ModelPricing;
  supportedParameters: string[];
}

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  model: string;
  /** Fallback models, tried in order by OpenRouter; the served one comes back as `model`. */
  models?: string[];
  messages: ChatMessage[];
  maxTokens?: number;
  /** Sent as `user`; appears as `external_user` in /generation. */
  user?: string;
  sessionId?: string;
  /** USD per million tokens (prompt/completion) or per request, as OpenRouter's `provider.max_price` (sent as decimal strings). */
  maxPrice?: { prompt?: number; completion?: number; request?: number };
  temperature?: number;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  reasoningTokens: number | null;
  /** Prompt tokens read from the provider's cache (`prompt_tokens_details.cached_tokens`). */
  cachedTokens: number | null;
  /** Prompt tokens written to the cache (`cache_write_tokens`; models with explicit caching only). */
  cacheWriteTokens: number | null;
  cost: number | null;
  isByok: boolean | null;
  upstreamInferenceCost: number | null;
}

export interface ChatCompletion {
  id: string;
  model: string;
  provider: string | null;
  content: string;
  finishReason: string | null;
  usage: ChatUsage | null;
  /** A 200 whose choice or body carries an error after generation started. */
  error: { code: number | string | null; message: string; errorType: string | null } | null;
}

/**
 * Events yielded by the streaming API, in arrival order. `meta` comes first: as soon as the
 * response headers arrive when OpenRouter sent `X-Generation-Id` (model/provider still null), and
 * again from the first chunk once model and provider are known. After an `error` event the stream
 * ends; a stream that ends without `[DONE]` or an error event throws an OpenRouterError.
 */
export type ChatStreamEvent =
  | { type: 'meta'; id: string; model: string | null; provider: string | null }
  | { type: 'delta'; content: string; reasoning?: string }
  | { type: 'finish'; finishReason: string | null; nativeFinishReason: string | null }
  | { type: 'usage'; usage: ChatUsage }
  | { type: 'error'; code: number | string | null; message: string; errorType: string | null };
