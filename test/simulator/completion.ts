/**
 * A chat completion from request to bill: validation, model choice (with `models` fallbacks and
 * the auto router), pre-flight checks (context, provider.max_price, key limit, balance), and the
 * final accounting that moves the key's and the account's usage and records the generation.
 */
import { DEFAULT_MODEL_ID, findModel, isDownModel, ModelSpec } from './catalogue';
import { RequestContext, SimulatorCore } from './context';
import { billFor, CacheUse, cacheUse } from './billing';
import { capExceeded, Endpoint, endpointsOf, parseMaxPrice } from './endpoints';
import { availabilityError, ErrorBody, errorBody, paymentRequired } from './errors';
import { generationId, upstreamId } from './ids';
import { FREE_TIER_HIGH_CREDITS } from './keyjson';
import { affordableCompletionTokens, costOf, EffectivePrices, effectivePrices } from './pricing';
import { GenerationRecord, KeyRecord } from './state';
import { ChatMessage, countPromptTokens, messageText, normalizedTokens, replyPieces } from './text';
import { addDays, startOfUtcDay, utcDate } from './time';

export interface CompletionPlan {
  id: string;
  model: ModelSpec;
  router: string | null;
  key: KeyRecord;
  promptTokens: number;
  promptText: string;
  /** One completion token each; already capped by max_tokens. */
  pieces: string[];
  finishReason: 'stop' | 'length';
  prices: EffectivePrices;
  endpoint: Endpoint;
  /** Endpoints tried before `endpoint` whose provider was down (listed as failed attempts by /generation). */
  failedEndpoints: Endpoint[];
  byok: boolean;
  cache: CacheUse;
  startedAt: Date;
  startedMs: number;
  stream: boolean;
  externalUser: string | null;
  sessionId: string | null;
  httpReferer: string | null;
  userAgent: string | null;
}

export type PlanResult = { plan: CompletionPlan } | { status: number; body: ErrorBody; headers?: Record<string, string> };

function invalid(message: string, errorType = 'invalid_request'): PlanResult {
  return { status: 400, body: errorBody(400, message, { error_type: errorType }) };
}

function optionalTokens(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 'invalid';
}

function parseMessages(body: Record<string, unknown>): ChatMessage[] | undefined {
  if (typeof body.prompt === 'string' && body.messages === undefined) return [{ role: 'user', content: body.prompt }];
  const raw = body.messages;
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const messages: ChatMessage[] = [];
  for (const m of raw) {
    if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') return undefined;
    messages.push({ role: (m as { role: string }).role, content: (m as { content?: unknown }).content });
  }
  return messages;
}

/** Picks the served model: the first candidate that is not "down"; unknown ids are a 400. */
type PlanError = Extract<PlanResult, { status: number }>;

function chooseModel(body: Record<string, unknown>): { model: ModelSpec; router: string | null } | PlanError {
  const candidates: string[] = [];
  if (typeof body.model === 'string' && body.model) candidates.push(body.model);
  if (Array.isArray(body.models)) for (const m of body.models) if (typeof m === 'string' && !candidates.includes(m)) candidates.push(m);
  if (candidates.length === 0) candidates.push(DEFAULT_MODEL_ID);
  for (const id of candidates) {
    if (isDownModel(id)) continue;
    const model = findModel(id);
    if (!model) {
      return { status: 400, body: availabilityError(400, 'model_not_found', `${id} is not a valid model ID`, candidates) };
    }
    if (model.routesTo) return { model: findModel(model.routesTo) as ModelSpec, router: model.id };
    return { model, router: null };
  }
  return {
    status: 503,
    body: availabilityError(503, 'model_unavailable_upstream', 'No endpoints available for the requested models right now', candidates, { retry_after: 1 }),
    headers: { 'Retry-After': '1' },
  };
}

/** `:free` models: 50 requests per UTC day below 10 USD of purchased credits, 1000 from 10 (docs "limits"). */
function freeDailyLimitHit(core: SimulatorCore, model: ModelSpec, at: Date): PlanError | undefined {
  if (!model.id.endsWith(':free')) return undefined;
  const high = core.state.totalCredits >= FREE_TIER_HIGH_CREDITS;
  const limit = high ? 1000 : 50;
  if ((core.state.freeRequestsByDate.get(utcDate(at)) ?? 0) < limit) return undefined;
  const reset = String(addDays(startOfUtcDay(at), 1).getTime());
  const headers = { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset };
  const message = high
    ? 'Rate limit exceeded: free-models-per-day-high-balance'
    : 'Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day';
  return {
    status: 429,
    body: errorBody(429, message, { headers, provider_name: null, limit_source: 'openrouter_free_tier_daily', remedy_hint: 'Wait for the daily reset at 00:00 UTC, or use a paid model.' }, true),
    headers,
  };
}

/** Validates the request and runs every pre-flight check; nothing is billed yet. */
export function planCompletion(ctx: RequestContext, key: KeyRecord): PlanResult {
  const { core } = ctx;
  if (ctx.bodyInvalid || !ctx.body || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) return invalid('Invalid JSON body');
  const body = ctx.body as Record<string, unknown>;
  const messages = parseMessages(body);
  if (!messages) return invalid('Input required: specify "prompt" or "messages"');
  const maxTokens = optionalTokens(body.max_completion_tokens ?? body.max_tokens);
  if (maxTokens === 'invalid') return invalid('max_tokens must be a positive integer', 'max_tokens_exceeded');
  const chosen = chooseModel(body);
  if ('status' in chosen) return chosen;
  const { model, router } = chosen;

  const startedAt = core.now();
  const promptTokens = countPromptTokens(messages);
  const requested = maxTokens ?? model.maxCompletionTokens ?? model.contextLength - promptTokens;
  if (promptTokens + requested > model.contextLength) {
    return invalid(
      `This endpoint's maximum context length is ${model.contextLength} tokens. However, you requested about ${promptTokens + requested} tokens ` +
        `(${promptTokens} of text input, ${requested} in the output). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt automatically.`,
      'context_length_exceeded',
    );
  }
  const maxPrice = parseMaxPrice(body.provider);
  if ('invalid' in maxPrice) return invalid(maxPrice.invalid);
  // Caps are checked per endpoint: a provider priced above them is skipped, another may serve.
  const all = endpointsOf(model, effectivePrices(model, promptTokens, startedAt));
  const up = all.filter((e) => !core.options.downProviders.includes(e.provider));
  const endpoint = up.find((e) => capExceeded(e, maxPrice.caps) === undefined);
  if (!endpoint) {
    const priceField = up.length > 0 ? capExceeded(up[0], maxPrice.caps) : undefined;
    if (!priceField) {
      return {
        status: 503,
        body: availabilityError(503, 'model_unavailable_upstream', `No endpoints available for ${model.id} right now`, [model.id], { retry_after: 1 }),
        headers: { 'Retry-After': '1' },
      };
    }
    return {
      status: 404,
      body: availabilityError(404, 'no_endpoints', `No endpoints found matching your max_price (${priceField}) for ${model.id}`, [model.id], {
        constraint: { field: `provider.max_price.${priceField}`, detail: 'every endpoint of this model is priced above the limit' },
      }),
    };
  }
  const prices = endpoint.prices;
  const worstCase = costOf(prices, promptTokens, requested).cost;
  const remaining = core.state.limitRemaining(key);
  if (remaining !== null && (remaining <= 0 || worstCase > remaining)) {
    return { status: 402, body: paymentRequired('openrouter_key_limit', requested, Math.min(requested, affordableCompletionTokens(prices, promptTokens, remaining))) };
  }
  const balance = core.state.balance();
  if (balance <= 0) {
    return { status: 402, body: errorBody(402, 'Insufficient credits. Add more using https://openrouter.ai/credits', { provider_name: null, limit_source: 'openrouter_credits', remedy_hint: 'Add credits at https://openrouter.ai/settings/credits.' }, true) };
  }
  if (worstCase > balance) {
    return { status: 402, body: paymentRequired('openrouter_credits', requested, Math.min(requested, affordableCompletionTokens(prices, promptTokens, balance))) };
  }
  const freeLimit = freeDailyLimitHit(core, model, startedAt);
  if (freeLimit) return freeLimit;

  const fullReply = replyPieces(messages);
  const pieces = maxTokens !== undefined && fullReply.length > maxTokens ? fullReply.slice(0, maxTokens) : fullReply;
  const header = (name: string): string | null => {
    const v = ctx.req.headers[name];
    return typeof v === 'string' ? v : null;
  };
  return {
    plan: {
      id: generationId(startedAt),
      model,
      router,
      key,
      promptTokens,
      promptText: messages.map((m) => messageText(m.content)).join('\n'),
      pieces,
      finishReason: pieces.length < fullReply.length ? 'length' : 'stop',
      prices,
      endpoint,
      failedEndpoints: all.slice(0, all.indexOf(endpoint)).filter((e) => core.options.downProviders.includes(e.provider)),
      byok: core.options.byokProviders.includes(endpoint.provider),
      cache: cacheUse(model, messages, promptTokens),
      startedAt,
      startedMs: Date.now(),
      stream: body.stream === true,
      externalUser: typeof body.user === 'string' ? body.user : null,
      sessionId: typeof body.session_id === 'string' ? body.session_id : null,
      httpReferer: header('http-referer'),
      userAgent: header('user-agent'),
    },
  };
}

/** The `usage` object of a response or final stream chunk. */
export function usageJson(plan: CompletionPlan, completionTokens: number): Record<string, unknown> {
  const c = planBill(plan, completionTokens);
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: plan.promptTokens + completionTokens,
    cost: c.cost,
    is_byok: c.isByok,
    prompt_tokens_details: { cached_tokens: plan.cache.cachedTokens, cache_write_tokens: plan.cache.cacheWriteTokens, audio_tokens: 0, video_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    cost_details: { upstream_inference_cost: c.upstreamCost, upstream_inference_prompt_cost: c.promptCost, upstream_inference_completions_cost: c.completionCost },
  };
}

function planBill(plan: CompletionPlan, completionTokens: number) {
  return billFor(plan.model, plan.endpoint, plan.byok, plan.cache, plan.promptTokens, completionTokens);
}

export interface Outcome {
  completionTokens: number;
  finishReason: string | null;
  cancelled: boolean;
  firstTokenMs: number | null;
}

/** Bills the tokens actually produced and records the generation (readable after the delay). */
export function finalizeCompletion(core: SimulatorCore, plan: CompletionPlan, outcome: Outcome): GenerationRecord {
  const bill = planBill(plan, outcome.completionTokens);
  const cost = bill.cost;
  const endMs = Date.now();
  const record: GenerationRecord = {
    id: plan.id,
    upstreamId: upstreamId(),
    model: plan.model.id,
    router: plan.router,
    provider: plan.endpoint.provider,
    endpointId: plan.endpoint.id,
    failedAttempts: plan.failedEndpoints.map((e) => ({ provider: e.provider, endpointId: e.id })),
    keyHash: plan.key.hash,
    createdAt: plan.startedAt,
    availableAt: endMs + core.options.generationDelayMs,
    promptTokens: plan.promptTokens,
    completionTokens: outcome.completionTokens,
    normalizedPromptTokens: normalizedTokens(plan.promptText),
    normalizedCompletionTokens: normalizedTokens(plan.pieces.slice(0, outcome.completionTokens).join('')),
    cost,
    cachedTokens: plan.cache.cachedTokens,
    cacheWriteTokens: plan.cache.cacheWriteTokens,
    cacheDiscount: bill.cacheDiscount,
    upstreamCost: bill.upstreamCost,
    isByok: bill.isByok,
    streamed: plan.stream,
    cancelled: outcome.cancelled,
    finishReason: outcome.finishReason,
    latencyMs: Math.max(1, (outcome.firstTokenMs ?? endMs) - plan.startedMs),
    generationTimeMs: Math.max(1, endMs - plan.startedMs),
    externalUser: plan.externalUser,
    sessionId: plan.sessionId,
    httpReferer: plan.httpReferer,
    userAgent: plan.userAgent,
  };
  core.state.bill(plan.key.hash, cost, plan.startedAt);
  core.state.generations.push(record);
  if (plan.model.id.endsWith(':free')) {
    const date = utcDate(plan.startedAt);
    core.state.freeRequestsByDate.set(date, (core.state.freeRequestsByDate.get(date) ?? 0) + 1);
  }
  return record;
}
