/**
 * How the simulator bills a completion. Kept internal on purpose: tests of the extension's own
 * pre-flight estimate must derive their expectations independently, not from this file.
 *
 * Rule (per OpenRouter's docs for `pricing`):
 *   1. Start from the base per-token prices (decimal strings → numbers).
 *   2. Apply each entry of `overrides` in order whose conditions all hold; later entries win per
 *      key, keys an entry does not mention keep their earlier value. Conditions:
 *        - `min_prompt_tokens`: holds when promptTokens is STRICTLY greater;
 *        - `utc_start`/`utc_end` (HHMM, UTC): holds when start <= time < end, wrapping midnight
 *          when end < start. The time is the request's start time.
 *   3. cost = (promptTokens × prompt + completionTokens × completion + request) × (1 − discount),
 *      evaluated in exactly that order in IEEE doubles, no rounding.
 * Negative prices (routers, "-1") mean "unknown"; routers are billed at the routed model's price.
 */
import { ModelSpec, PriceOverrideSpec } from './catalogue';
import { utcMinuteOfDay } from './time';

export interface EffectivePrices {
  prompt: number;
  completion: number;
  request: number;
  discount: number;
}

function num(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function hhmmToMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2, 4));
}

function overrideApplies(o: PriceOverrideSpec, promptTokens: number, at: Date): boolean {
  if (o.min_prompt_tokens !== undefined && !(promptTokens > o.min_prompt_tokens)) return false;
  if (o.utc_start !== undefined && o.utc_end !== undefined) {
    const t = utcMinuteOfDay(at);
    const start = hhmmToMinutes(o.utc_start);
    const end = hhmmToMinutes(o.utc_end);
    const inside = start <= end ? t >= start && t < end : t >= start || t < end;
    if (!inside) return false;
  }
  return true;
}

export function effectivePrices(model: ModelSpec, promptTokens: number, at: Date): EffectivePrices {
  const p = model.pricing;
  const prices = { prompt: num(p.prompt), completion: num(p.completion), request: num(p.request) };
  for (const o of p.overrides ?? []) {
    if (!overrideApplies(o, promptTokens, at)) continue;
    if (o.prompt !== undefined) prices.prompt = num(o.prompt);
    if (o.completion !== undefined) prices.completion = num(o.completion);
    if (o.request !== undefined) prices.request = num(o.request);
  }
  return { ...prices, discount: p.discount ?? 0 };
}

export interface CostBreakdown {
  cost: number;
  promptCost: number;
  completionCost: number;
}

export function costOf(prices: EffectivePrices, promptTokens: number, completionTokens: number): CostBreakdown {
  const factor = 1 - prices.discount;
  const cost = (promptTokens * prices.prompt + completionTokens * prices.completion + prices.request) * factor;
  return { cost, promptCost: promptTokens * prices.prompt * factor, completionCost: completionTokens * prices.completion * factor };
}

/** Most completion tokens the given budget (USD) can pay for after the prompt and request fee. */
export function affordableCompletionTokens(prices: EffectivePrices, promptTokens: number, budget: number): number {
  const factor = 1 - prices.discount;
  const left = budget / (factor || 1) - promptTokens * prices.prompt - prices.request;
  if (prices.completion <= 0) return left >= 0 ? Number.MAX_SAFE_INTEGER : 0;
  return Math.max(0, Math.floor(left / prices.completion));
}
