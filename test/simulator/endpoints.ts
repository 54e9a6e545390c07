/**
 * A model's endpoints: the providers that serve it, each at its own price. `/models` lists the
 * first (cheapest) endpoint's price; routing takes the first endpoint that is up and within the
 * request's `provider.max_price`, so caps are checked per provider, as OpenRouter does. Which
 * providers stop billing when a stream is aborted follows OpenRouter's streaming docs ("Aborting
 * the connection stops billing for supported providers only. Otherwise the full response is billed").
 */
import { endpointIdOf, ModelSpec } from './catalogue';
import { uuidFrom } from './ids';
import { EffectivePrices } from './pricing';

export interface Endpoint {
  id: string;
  provider: string;
  prices: EffectivePrices;
  /** This endpoint's prices relative to the listed ones. */
  priceFactor: number;
  /** 'full-response': an aborted stream is billed as if it had run to the end. */
  cancelBilling: 'tokens-sent' | 'full-response';
}

/** Further providers per model, priced at a multiple of the listed price. */
const MORE_PROVIDERS: Record<string, Array<{ provider: string; priceFactor: number }>> = {
  'openai/gpt-4o-mini': [{ provider: 'Azure', priceFactor: 1.2 }],
  'anthropic/claude-sonnet-4': [{ provider: 'Amazon Bedrock', priceFactor: 1.1 }],
  'meta-llama/llama-3.3-70b-instruct': [{ provider: 'Together', priceFactor: 1.5 }],
};

/** Providers that keep billing an aborted stream to its end (not on OpenRouter's list of cancel-aware providers). */
const BILL_FULL_ON_CANCEL = new Set(['Google', 'Mistral', 'Perplexity', 'Alibaba', 'Amazon Bedrock']);

function scaled(prices: EffectivePrices, factor: number): EffectivePrices {
  return { prompt: prices.prompt * factor, completion: prices.completion * factor, request: prices.request * factor, discount: prices.discount };
}

export function endpointsOf(model: ModelSpec, listed: EffectivePrices): Endpoint[] {
  const endpoint = (provider: string, id: string, priceFactor: number): Endpoint => ({
    id, provider, priceFactor, prices: scaled(listed, priceFactor), cancelBilling: BILL_FULL_ON_CANCEL.has(provider) ? 'full-response' : 'tokens-sent',
  });
  return [
    endpoint(model.provider, endpointIdOf(model.id), 1),
    ...(MORE_PROVIDERS[model.id] ?? []).map((p) => endpoint(p.provider, uuidFrom(`endpoint:${model.id}:${p.provider}`), p.priceFactor)),
  ];
}

export const MAX_PRICE_FIELDS = ['prompt', 'completion', 'request', 'image', 'audio'] as const;
export type MaxPriceCaps = Partial<Record<(typeof MAX_PRICE_FIELDS)[number], number>>;

/**
 * `provider.max_price` as the spec types it: an object of decimal strings (USD per million
 * tokens; per request / per unit for the others). Anything else is a 400, naming the field.
 */
export function parseMaxPrice(provider: unknown): { caps: MaxPriceCaps | null } | { invalid: string } {
  if (provider === undefined || provider === null) return { caps: null };
  if (typeof provider !== 'object' || Array.isArray(provider)) return { invalid: 'provider must be an object' };
  const max = (provider as { max_price?: unknown }).max_price;
  if (max === undefined || max === null) return { caps: null };
  if (typeof max !== 'object' || Array.isArray(max)) return { invalid: 'provider.max_price must be an object' };
  const caps: MaxPriceCaps = {};
  for (const field of MAX_PRICE_FIELDS) {
    const value = (max as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value.trim())) {
      return { invalid: `provider.max_price.${field} must be a decimal string (USD per million tokens), got ${JSON.stringify(value)}` };
    }
    caps[field] = Number(value);
  }
  return { caps };
}

/** The first price dimension of this endpoint above the caps, if any (discount applied, as billed). */
export function capExceeded(endpoint: Endpoint, caps: MaxPriceCaps | null): string | undefined {
  if (!caps) return undefined;
  const factor = 1 - endpoint.prices.discount;
  const actual: Array<[keyof MaxPriceCaps, number]> = [
    ['prompt', endpoint.prices.prompt * factor * 1e6],
    ['completion', endpoint.prices.completion * factor * 1e6],
    ['request', endpoint.prices.request * factor],
  ];
  for (const [field, price] of actual) {
    const cap = caps[field];
    if (cap !== undefined && price > cap + 1e-9) return field;
  }
  return undefined;
}
