/**
 * Raw OpenRouter JSON → the normalized shapes of types.ts. Each reader returns `null` when the
 * payload is not even the right kind of value (the client turns that into a 'malformed' error);
 * inside a valid payload every field is read tolerantly, and list rows that cannot be identified
 * (no id, no hash, no date) are skipped rather than failing the whole list.
 */
import { asObject, bool, int, isObject, isoDate, isoUtc, num, price, str, stringArray, type JsonObject } from './parse';
import type {
  ActivityRow,
  ApiKeyRecord,
  Credits,
  Generation,
  KeyInfo,
  KeyLimitsAndUsage,
  LimitReset,
  ModelInfo,
  ModelPricing,
  PriceKey,
  PriceOverride,
} from './types';

function limitReset(value: unknown): LimitReset {
  return value === 'daily' || value === 'weekly' || value === 'monthly' ? value : null;
}

function readLimitsAndUsage(d: JsonObject): KeyLimitsAndUsage {
  return {
    label: str(d.label) ?? '',
    limit: num(d.limit),
    limitRemaining: num(d.limit_remaining),
    limitReset: limitReset(d.limit_reset),
    includeByokInLimit: bool(d.include_byok_in_limit) ?? false,
    usage: num(d.usage) ?? 0,
    usageDaily: num(d.usage_daily),
    usageWeekly: num(d.usage_weekly),
    usageMonthly: num(d.usage_monthly),
    byokUsage: num(d.byok_usage),
    byokUsageDaily: num(d.byok_usage_daily),
    byokUsageWeekly: num(d.byok_usage_weekly),
    byokUsageMonthly: num(d.byok_usage_monthly),
    creatorUserId: str(d.creator_user_id),
    expiresAt: isoUtc(d.expires_at),
  };
}

export function readKeyInfo(data: unknown): KeyInfo | null {
  const d = asObject(data);
  if (!d) return null;
  const free = asObject(d.free_model_daily_requests);
  const freeUsed = num(free?.used);
  const freeLimit = num(free?.limit);
  return {
    ...readLimitsAndUsage(d),
    isFreeTier: bool(d.is_free_tier) ?? false,
    isManagementKey: bool(d.is_management_key) ?? bool(d.is_provisioning_key) ?? false,
    freeModelDailyRequests:
      freeUsed !== null && freeLimit !== null
        ? { used: freeUsed, limit: freeLimit, remaining: num(free?.remaining) ?? Math.max(0, freeLimit - freeUsed) }
        : null,
  };
}

export function readCredits(data: unknown): Credits | null {
  const d = asObject(data);
  const totalCredits = num(d?.total_credits);
  const totalUsage = num(d?.total_usage);
  if (totalCredits === null || totalUsage === null) return null;
  return { totalCredits, totalUsage };
}

export function readActivity(data: unknown): ActivityRow[] | null {
  if (!Array.isArray(data)) return null;
  const rows: ActivityRow[] = [];
  for (const raw of data) {
    const r = asObject(raw);
    const date = isoDate(r?.date);
    if (!r || date === null) continue;
    rows.push({
      date,
      model: str(r.model) ?? '',
      modelPermaslug: str(r.model_permaslug) ?? str(r.model) ?? '',
      endpointId: str(r.endpoint_id) ?? '',
      providerName: str(r.provider_name) ?? '',
      usage: num(r.usage) ?? 0,
      byokUsageInference: num(r.byok_usage_inference) ?? 0,
      requests: int(r.requests) ?? 0,
      promptTokens: int(r.prompt_tokens) ?? 0,
      completionTokens: int(r.completion_tokens) ?? 0,
      reasoningTokens: int(r.reasoning_tokens) ?? 0,
      workspaceId: str(r.workspace_id),
    });
  }
  return rows;
}

export function readApiKey(data: unknown): ApiKeyRecord | null {
  const d = asObject(data);
  const hash = str(d?.hash);
  if (!d || !hash) return null;
  return {
    ...readLimitsAndUsage(d),
    hash,
    name: str(d.name) ?? '',
    disabled: bool(d.disabled) ?? false,
    // An unreadable creation time is kept verbatim rather than invented.
    createdAt: isoUtc(d.created_at) ?? str(d.created_at) ?? '',
    updatedAt: isoUtc(d.updated_at),
    workspaceId: str(d.workspace_id),
  };
}

export function readApiKeyList(data: unknown): ApiKeyRecord[] | null {
  if (!Array.isArray(data)) return null;
  return data.map(readApiKey).filter((k): k is ApiKeyRecord => k !== null);
}

export function readGeneration(data: unknown): Generation | null {
  const d = asObject(data);
  const id = str(d?.id);
  if (!d || !id) return null;
  return {
    id,
    createdAt: isoUtc(d.created_at),
    model: str(d.model),
    providerName: str(d.provider_name),
    router: str(d.router),
    totalCost: num(d.total_cost),
    usage: num(d.usage),
    cacheDiscount: num(d.cache_discount),
    upstreamInferenceCost: num(d.upstream_inference_cost),
    isByok: bool(d.is_byok),
    tokensPrompt: int(d.tokens_prompt),
    tokensCompletion: int(d.tokens_completion),
    nativeTokensPrompt: int(d.native_tokens_prompt),
    nativeTokensCompletion: int(d.native_tokens_completion),
    nativeTokensReasoning: int(d.native_tokens_reasoning),
    nativeTokensCached: int(d.native_tokens_cached),
    latencyMs: num(d.latency),
    generationTimeMs: num(d.generation_time),
    moderationLatencyMs: num(d.moderation_latency),
    streamed: bool(d.streamed),
    cancelled: bool(d.cancelled),
    finishReason: str(d.finish_reason),
    nativeFinishReason: str(d.native_finish_reason),
    origin: str(d.origin),
    externalUser: str(d.external_user),
    sessionId: str(d.session_id),
    appId: int(d.app_id),
    providerResponses: Array.isArray(d.provider_responses)
      ? d.provider_responses.filter(isObject).map((p) => ({
          providerName: str(p.provider_name),
          status: int(p.status),
          latencyMs: num(p.latency),
          modelPermaslug: str(p.model_permaslug),
          isByok: bool(p.is_byok),
        }))
      : null,
  };
}

const PRICE_FIELDS: ReadonlyArray<[PriceKey, string]> = [
  ['prompt', 'prompt'],
  ['completion', 'completion'],
  ['request', 'request'],
  ['image', 'image'],
  ['webSearch', 'web_search'],
  ['internalReasoning', 'internal_reasoning'],
  ['inputCacheRead', 'input_cache_read'],
  ['inputCacheWrite', 'input_cache_write'],
];

/** "9:00", "0900", 900 → "0900"; anything else → undefined (the condition is then ignored). */
function hhmm(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : str(value);
  if (text === null) return undefined;
  const m = /^(\d{1,2}):?(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 24 && min <= 59 ? `${String(h).padStart(2, '0')}${m[2]}` : undefined;
}

function readOverride(raw: JsonObject): PriceOverride {
  const prices: PriceOverride['prices'] = {};
  for (const [key, field] of PRICE_FIELDS) {
    if (field in raw) prices[key] = price(raw[field]);
  }
  const override: PriceOverride = { prices };
  const minPromptTokens = int(raw.min_prompt_tokens);
  if (minPromptTokens !== null) override.minPromptTokens = minPromptTokens;
  const utcStart = hhmm(raw.utc_start);
  const utcEnd = hhmm(raw.utc_end);
  if (utcStart !== undefined && utcEnd !== undefined) {
    override.utcStart = utcStart;
    override.utcEnd = utcEnd;
  }
  return override;
}

/**
 * Only `prompt` and `completion` are required in /models pricing: an optional fee that is absent
 * is no fee (0). A fee that is present but negative or unparsable stays unknown (null).
 */
function optionalFee(value: unknown): number | null {
  return value === undefined || value === null ? 0 : price(value);
}

export function readPricing(raw: unknown): ModelPricing {
  const p = asObject(raw) ?? {};
  const discount = num(p.discount);
  return {
    prompt: price(p.prompt),
    completion: price(p.completion),
    request: optionalFee(p.request),
    image: optionalFee(p.image),
    webSearch: optionalFee(p.web_search),
    internalReasoning: optionalFee(p.internal_reasoning),
    inputCacheRead: optionalFee(p.input_cache_read),
    inputCacheWrite: optionalFee(p.input_cache_write),
    discount: discount !== null && discount > 0 && discount < 1 ? discount : 0,
    overrides: Array.isArray(p.overrides) ? p.overrides.filter(isObject).map(readOverride) : [],
  };
}

export function readModels(data: unknown): ModelInfo[] | null {
  if (!Array.isArray(data)) return null;
  const models: ModelInfo[] = [];
  for (const raw of data) {
    const m = asObject(raw);
    const id = str(m?.id);
    if (!m || !id) continue;
    const top = asObject(m.top_provider);
    models.push({
      id,
      canonicalSlug: str(m.canonical_slug),
      name: str(m.name) ?? id,
      created: int(m.created),
      contextLength: int(m.context_length) ?? int(top?.context_length),
      maxCompletionTokens: int(top?.max_completion_tokens),
      pricing: readPricing(m.pricing),
      supportedParameters: stringArray(m.supported_parameters),
    });
  }
  return models;
}
