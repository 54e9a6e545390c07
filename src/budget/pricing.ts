/**
 * What a request will cost, from OpenRouter's `/models` pricing: conditional overrides and
 * discounts resolved for a given moment and prompt size, an upper-bound estimate for one request,
 * and the `provider.max_price` routing cap that enforces a per-request limit server-side.
 *
 * An unknown price (null: absent, unreadable or negative such as a router's "-1") is never
 * treated as free. Anything computed from it is unknown too, with a reason a user can read.
 */
import type { ModelInfo, ModelPricing, Price, PriceKey, PriceOverride } from '../openrouter/types';
import { plainTranslate, type Translate } from '../util/l10n';
import { formatUsd } from '../util/money';

const PRICE_KEYS: readonly PriceKey[] = [
  'prompt',
  'completion',
  'request',
  'image',
  'webSearch',
  'internalReasoning',
  'inputCacheRead',
  'inputCacheWrite',
];

export interface PricingMoment {
  /** Prompt tokens of the request; tiered overrides compare against it. */
  promptTokens: number;
  /** When the request is sent; time-window overrides are read in UTC. */
  at: Date;
}

/**
 * The prices that apply to one request: overrides whose conditions hold are applied in order
 * (later entries win per key, keys an entry does not name keep the base price), then the
 * discount multiplies every known price by (1 − discount). The result has no overrides and
 * no discount left, so applying it again changes nothing.
 *
 * Override conditions: `minPromptTokens` holds when the prompt is strictly larger; a
 * `utcStart`/`utcEnd` window (HHMM) holds from start inclusive to end exclusive and may wrap
 * past midnight; start equal to end is an empty window. If a condition cannot be read (bad
 * HHMM, non-finite threshold), whether the override applies is unknown, so the prices it would
 * change become unknown rather than guessed.
 */
export function effectivePricing(pricing: ModelPricing, moment: PricingMoment): ModelPricing {
  const prices = {} as Record<PriceKey, Price>;
  for (const key of PRICE_KEYS) prices[key] = cleanPrice(pricing[key]);

  for (const override of pricing.overrides) {
    const applies = overrideApplies(override, moment);
    if (applies === false) continue;
    for (const key of PRICE_KEYS) {
      if (!(key in override.prices)) continue;
      prices[key] = applies === true ? cleanPrice(override.prices[key]) : unknownUnlessEqual(prices[key], override.prices[key]);
    }
  }

  const factor = 1 - usableDiscount(pricing.discount);
  for (const key of PRICE_KEYS) {
    const value = prices[key];
    if (value !== null) prices[key] = value * factor;
  }
  return { ...prices, discount: 0, overrides: [] };
}

function cleanPrice(value: Price | undefined): Price {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** An override that may or may not apply leaves a price known only if it would not change it. */
function unknownUnlessEqual(current: Price, overridden: Price | undefined): Price {
  return current !== null && current === cleanPrice(overridden) ? current : null;
}

/**
 * A discount outside [0, 1) says nothing reliable; ignoring it can only overstate the price,
 * which is the safe direction for a budget.
 */
function usableDiscount(discount: number): number {
  return Number.isFinite(discount) && discount >= 0 && discount < 1 ? discount : 0;
}

/** true / false, or null when a condition cannot be evaluated. */
function overrideApplies(override: PriceOverride, moment: PricingMoment): boolean | null {
  let applies: boolean | null = true;
  if (override.minPromptTokens !== undefined) {
    if (!Number.isFinite(override.minPromptTokens)) applies = null;
    else if (!(moment.promptTokens > override.minPromptTokens)) return false;
  }
  if (override.utcStart !== undefined || override.utcEnd !== undefined) {
    const inWindow = withinUtcWindow(override.utcStart, override.utcEnd, moment.at);
    if (inWindow === false) return false;
    if (inWindow === null) applies = null;
  }
  return applies;
}

/** A missing start means midnight; a missing end means the end of the day. */
function withinUtcWindow(start: string | undefined, end: string | undefined, at: Date): boolean | null {
  const from = start === undefined ? 0 : minutesOfDay(start);
  const to = end === undefined ? 24 * 60 : minutesOfDay(end);
  const now = at.getUTCHours() * 60 + at.getUTCMinutes();
  if (from === null || to === null || Number.isNaN(now)) return null;
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

/** "0930" or "09:30" → 570; "2400" is the end of the day; anything else → null. */
function minutesOfDay(hhmm: string): number | null {
  const m = /^(\d{1,2}):?(\d{2})$/.exec(hhmm.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && minutes <= 24 * 60 ? minutes : null;
}

export interface CostBreakdown {
  prompt: number | null;
  completion: number | null;
  request: number | null;
}

export interface CostEstimate {
  /** Upper bound in USD (completion at its full `maxTokens`), or null when it cannot be known. */
  usd: number | null;
  breakdown: CostBreakdown;
  /** The prices used, after overrides and discount. */
  pricing: ModelPricing;
  /** Present exactly when `usd` is null, e.g. "price unknown for openrouter/auto (router model)". */
  unknownReason?: string;
}

export interface RequestSize {
  promptTokens: number;
  /** The request's `max_tokens`; null means no cap was set, so the completion cost is unbounded. */
  maxTokens: number | null;
}

/**
 * Upper-bound cost of one chat request: promptTokens × prompt + maxTokens × completion + request.
 * A price is only needed when its quantity is non-zero; the per-request fee is always needed.
 */
export function estimateRequestCost(model: ModelInfo, request: RequestSize & { at: Date }, t: Translate = plainTranslate): CostEstimate {
  const pricing = effectivePricing(model.pricing, { promptTokens: request.promptTokens, at: request.at });
  const label = modelLabel(model.id, t);
  const unknown = (reason: string): CostEstimate => ({
    usd: null,
    breakdown: { prompt: null, completion: null, request: null },
    pricing,
    unknownReason: reason,
  });

  if (!isTokenCount(request.promptTokens) || (request.maxTokens !== null && !isTokenCount(request.maxTokens))) {
    return unknown(t('cost unknown for {0} (invalid token count)', label));
  }
  if (request.maxTokens === null) {
    return unknown(t("cost unknown for {0}: no max_tokens is set, so the reply's cost has no upper bound", label));
  }
  const breakdown: CostBreakdown = {
    prompt: partCost(request.promptTokens, pricing.prompt),
    completion: partCost(request.maxTokens, pricing.completion),
    request: pricing.request,
  };
  const missing = (Object.keys(breakdown) as Array<keyof CostBreakdown>).filter((k) => breakdown[k] === null);
  if (missing.length > 0) {
    const unknownReason = isRouterModel(model.id)
      ? t('price unknown for {0} (router model)', label)
      : t('price unknown for {0} (no usable {1} price)', label, missing.join(', '));
    return { usd: null, breakdown, pricing, unknownReason };
  }
  const usd = (breakdown.prompt ?? 0) + (breakdown.completion ?? 0) + (breakdown.request ?? 0);
  return { usd, breakdown, pricing };
}

function partCost(units: number, price: Price): number | null {
  if (units === 0) return 0;
  return price === null ? null : units * price;
}

function isTokenCount(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

/** `openrouter/auto`, `openrouter/fusion`…: the price depends on the model the router picks. */
export function isRouterModel(id: string): boolean {
  return id.startsWith('openrouter/');
}

/** Model ids come from the network: strip control/format characters and bound the length before quoting one. */
function modelLabel(id: string, t: Translate): string {
  const clean = id.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  if (clean === '') return t('(unnamed model)');
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}

/** OpenRouter's `provider.max_price`: USD per MILLION tokens for prompt/completion, USD per request for request. */
export interface MaxPrice {
  prompt: number;
  completion: number;
  request: number;
}

/**
 * Assumed completion-to-prompt price ratio when the model's prices are unknown. Listed models
 * mostly charge 3–5× more per output token (gpt-4o: $2.50 in / $10 out).
 */
const ASSUMED_COMPLETION_TO_PROMPT = 4;

/** Floating-point noise allowed when checking caps against the limit (a billionth of it). */
const ROUNDING_SLACK = 1e-9;

/**
 * Derives `provider.max_price` from a per-request limit L, so OpenRouter itself refuses to route
 * to a provider that could make this request cost more than L.
 *
 * Any caps (p, c, r) with promptTokens×p + maxTokens×c + r ≤ L guarantee it, since the request
 * costs at most its prompt plus `maxTokens` of completion at the served provider's prices.
 * - Known estimate E > 0: scale the model's current prices by f = L / E. Then the caps cost
 *   exactly f×E = L, and any provider priced up to f× the listed price in every dimension still
 *   fits. f < 1 means the listed price itself is over the limit: OpenRouter will then find no
 *   provider and fail the request instead of overspending.
 * - Unknown or zero estimate (router, free or unpriced model): nothing is reserved for a
 *   per-request fee (r = 0) and L is split between prompt and completion assuming a completion
 *   token costs 4× a prompt token: p = L / (promptTokens + 4×maxTokens), c = 4p.
 * Caps are rounded down to a millionth of a dollar per million tokens so rounding never lifts
 * the total above L, and scaled caps are checked against L (falling back to the split if
 * extreme inputs make them overflow). Returns null when there is no limit to enforce (L ≤ 0 or not a number) or
 * the request has no bounded size (no max_tokens): send no `max_price` then.
 */
export function maxPriceForBudget(
  perRequestUsd: number,
  models: ModelInfo | readonly ModelInfo[],
  request: RequestSize & { at?: Date },
): MaxPrice | null {
  if (!Number.isFinite(perRequestUsd) || perRequestUsd <= 0) return null;
  const { promptTokens, maxTokens } = request;
  if (maxTokens === null || !isTokenCount(promptTokens) || !isTokenCount(maxTokens)) return null;

  const estimate = estimateRequestCost(envelopeModel(models, { promptTokens, at: request.at ?? new Date() }), { promptTokens, maxTokens, at: request.at ?? new Date() });
  if (estimate.usd !== null && estimate.usd > 0) {
    const f = perRequestUsd / estimate.usd;
    const p = estimate.pricing;
    const scaled: MaxPrice = {
      prompt: perMillionFloor(f * (p.prompt ?? 0)),
      completion: perMillionFloor(f * (p.completion ?? 0)),
      request: floorMicro(f * (p.request ?? 0)),
    };
    // Checked rather than assumed: with absurd inputs (prices near the smallest double, a price
    // on a dimension the request does not use) the scaled caps can overflow or lose precision.
    if (worstCaseUsd(scaled, promptTokens, maxTokens) <= perRequestUsd * (1 + ROUNDING_SLACK)) return scaled;
  }
  const weight = promptTokens + ASSUMED_COMPLETION_TO_PROMPT * maxTokens;
  if (weight === 0) return null;
  const promptCap = perRequestUsd / weight;
  return {
    prompt: perMillionFloor(promptCap),
    completion: perMillionFloor(promptCap * ASSUMED_COMPLETION_TO_PROMPT),
    request: 0,
  };
}

/**
 * One price list covering every model a request may be served by (the primary and its `models`
 * fallbacks): per price, the highest of their current prices, unknown if any is unknown. Caps
 * derived from it bound the worst model and exclude none of them when the budget allows that.
 * The list's id is the first model's, so "router model" reasons still name a router.
 */
function envelopeModel(models: ModelInfo | readonly ModelInfo[], moment: PricingMoment): ModelInfo {
  const list: readonly ModelInfo[] = Array.isArray(models) ? models : [models as ModelInfo];
  const priced = list.map((m) => effectivePricing(m.pricing, moment));
  const envelope = { ...priced[0] };
  for (const key of PRICE_KEYS) {
    envelope[key] = priced.reduce<Price>((worst, p) => (worst === null || p[key] === null ? null : Math.max(worst, p[key] as number)), 0);
  }
  return { ...list[0], id: list.find((m) => isRouterModel(m.id))?.id ?? list[0].id, pricing: envelope };
}

/**
 * `provider.max_price` for a request the user explicitly chose to send over the per-request
 * limit: caps at the current prices of the models it may use (rounded up to a millionth of a
 * dollar per million tokens, so the listed provider is never shut out by rounding). Returns null
 * when a price is unknown: then nothing can be capped and no `max_price` is sent.
 */
export function maxPriceAtCurrentPrices(models: ModelInfo | readonly ModelInfo[], request: { promptTokens: number; at?: Date }): MaxPrice | null {
  if (!isTokenCount(request.promptTokens)) return null;
  const p = envelopeModel(models, { promptTokens: request.promptTokens, at: request.at ?? new Date() }).pricing;
  if (p.prompt === null || p.completion === null || p.request === null) return null;
  return { prompt: ceilMicro(p.prompt * 1e6), completion: ceilMicro(p.completion * 1e6), request: ceilMicro(p.request) };
}

function ceilMicro(value: number): number {
  // The tiny allowance keeps 2.5 (= 2.4999999999999996 after × 1e6) from rounding up to 2.500001.
  return Math.ceil(value * 1e6 - 1e-6) / 1e6;
}

/** The most a request of this size can cost at providers priced exactly at the caps (NaN/∞ for unusable caps). */
function worstCaseUsd(cap: MaxPrice, promptTokens: number, maxTokens: number): number {
  const total = (promptTokens * cap.prompt) / 1e6 + (maxTokens * cap.completion) / 1e6 + cap.request;
  return Number.isFinite(cap.prompt) && Number.isFinite(cap.completion) && Number.isFinite(cap.request) ? total : Number.POSITIVE_INFINITY;
}

function perMillionFloor(usdPerToken: number): number {
  return floorMicro(usdPerToken * 1e6);
}

function floorMicro(value: number): number {
  return Math.floor(value * 1e6) / 1e6;
}

/** `2.5e-6` → `$2.50/M`; 0 → `free`; null → `unknown` (those two words in the language of `t`). */
export function formatPerMillion(pricePerToken: Price, t: Translate = plainTranslate): string {
  if (pricePerToken === null || !Number.isFinite(pricePerToken) || pricePerToken < 0) return t('unknown');
  if (pricePerToken === 0) return t('free');
  return `${perMillionAmount(pricePerToken * 1e6)}/M`;
}

/** Per-million prices are often quoted to a tenth of a cent ($0.075/M, $0.135/M): keep that digit. */
function perMillionAmount(usd: number): string {
  const thousandths = Math.round(usd * 1000);
  return usd >= 0.01 && thousandths % 10 !== 0 ? `$${(thousandths / 1000).toFixed(3)}` : formatUsd(usd);
}

/**
 * `$2.50/M in · $10.00/M out`, plus ` · $0.005/request` when there is a fee; `free` and
 * `unknown` when both token prices are. Pass `effectivePricing(…)` to show what applies now.
 */
export function formatPricing(pricing: ModelPricing): string {
  const prompt = formatPerMillion(pricing.prompt);
  const completion = formatPerMillion(pricing.completion);
  const fee = pricing.request !== null && pricing.request > 0 ? ` · ${formatUsd(pricing.request)}/request` : '';
  if (prompt === completion && (prompt === 'free' || prompt === 'unknown')) return `${prompt}${fee}`;
  return `${prompt} in · ${completion} out${fee}`;
}
