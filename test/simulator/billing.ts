/**
 * What one completion costs at the endpoint that served it, with prompt caching and BYOK:
 * - a user message with `[[cached:N]]` reads N prompt tokens from the cache (models with an
 *   `input_cache_read` price), `[[cache_write:N]]` writes N (models with `input_cache_write`);
 *   `cache_discount` = reads × (prompt − read price) − writes × (write price − prompt), in USD
 *   after the model's discount, and the cost is the plain cost minus it;
 * - on an endpoint whose provider the account brought its own key for (`byokProviders`), the
 *   provider's charge is `upstream_inference_cost` and OpenRouter bills a 5% fee of it.
 * The plain cost (no cache, no BYOK) is exactly pricing.ts's `costOf`.
 */
import { ModelSpec } from './catalogue';
import { Endpoint } from './endpoints';
import { costOf } from './pricing';
import { ChatMessage, messageText } from './text';

export const BYOK_FEE = 0.05;

export interface CacheUse {
  cachedTokens: number;
  cacheWriteTokens: number;
}

export interface Bill {
  /** USD charged to the account's credits. */
  cost: number;
  promptCost: number;
  completionCost: number;
  cacheDiscount: number | null;
  /** The provider's own charge (BYOK only), else null. */
  upstreamCost: number | null;
  isByok: boolean;
}

function marker(messages: ChatMessage[], name: string): number {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const m = new RegExp(`\\[\\[${name}:(\\d{1,7})\\]\\]`).exec(lastUser ? messageText(lastUser.content) : '');
  return m ? Number(m[1]) : 0;
}

export function cacheUse(model: ModelSpec, messages: ChatMessage[], promptTokens: number): CacheUse {
  const read = model.pricing.input_cache_read === undefined ? 0 : marker(messages, 'cached');
  const write = model.pricing.input_cache_write === undefined ? 0 : marker(messages, 'cache_write');
  const cachedTokens = Math.min(read, promptTokens);
  return { cachedTokens, cacheWriteTokens: Math.min(write, promptTokens - cachedTokens) };
}

export function billFor(model: ModelSpec, endpoint: Endpoint, byok: boolean, cache: CacheUse, promptTokens: number, completionTokens: number): Bill {
  const plain = costOf(endpoint.prices, promptTokens, completionTokens);
  let cacheDiscount: number | null = null;
  if (cache.cachedTokens > 0 || cache.cacheWriteTokens > 0) {
    const factor = (1 - endpoint.prices.discount) * endpoint.priceFactor;
    const prompt = endpoint.prices.prompt / endpoint.priceFactor;
    const read = Number(model.pricing.input_cache_read ?? prompt);
    const write = Number(model.pricing.input_cache_write ?? prompt);
    cacheDiscount = (cache.cachedTokens * (prompt - read) - cache.cacheWriteTokens * (write - prompt)) * factor;
  }
  const providerCharge = plain.cost - (cacheDiscount ?? 0);
  return {
    cost: byok ? providerCharge * BYOK_FEE : providerCharge,
    promptCost: plain.promptCost - (cacheDiscount ?? 0),
    completionCost: plain.completionCost,
    cacheDiscount,
    upstreamCost: byok ? providerCharge : null,
    isByok: byok,
  };
}
