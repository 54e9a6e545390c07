/**
 * "What would this have cost on another model?": the range's real token counts per model,
 * priced at a target model's current `/models` prices (after its discount and any override
 * that applies at the average prompt size). A `:floor` target (OpenRouter: "sort providers by
 * price") is priced at its model's listed price and said to be: /models lists one price per
 * model, not what the cheapest provider charges, so no saving is claimed for the variant. An
 * unknown price gives an unknown result.
 */
import { effectivePricing, isRouterModel } from '../../budget/pricing';
import { baseModelId } from '../../chat/modelCatalog';
import type { ModelInfo } from '../../openrouter/types';

export interface UsageByModel {
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cost: number;
}

export interface WhatIfRow {
  model: string;
  actual: number;
  /** USD at the target's prices, or null when a needed price is unknown. */
  wouldCost: number | null;
  /** wouldCost / actual − 1 (−0.4 = 40% cheaper); null when unknown or nothing was spent. */
  change: number | null;
}

export interface WhatIfResult {
  target: string;
  /**
   * For a `:floor` target, the listed model whose prices were used (its base id): the same
   * listed price, while OpenRouter routes the variant to the cheapest provider. Otherwise null.
   */
  sameListedPriceAs: string | null;
  /** Why no figure could be given for the target at all, or null. */
  unknownReason: 'unlisted' | 'router' | 'no-price' | null;
  rows: WhatIfRow[];
  total: WhatIfRow;
}

/** Cost of one model's usage at `target`'s prices. Cached prompt tokens use the cache-read price when listed. */
function priceUsage(u: UsageByModel, target: ModelInfo, at: Date): number | null {
  if (u.requests === 0) return 0;
  const pricing = effectivePricing(target.pricing, { promptTokens: u.promptTokens / u.requests, at });
  const cached = Math.min(u.cachedTokens, u.promptTokens);
  const uncached = u.promptTokens - cached;
  const cacheRead = pricing.inputCacheRead ?? pricing.prompt;
  const parts = [
    uncached === 0 ? 0 : pricing.prompt === null ? null : uncached * pricing.prompt,
    cached === 0 ? 0 : cacheRead === null ? null : cached * cacheRead,
    u.completionTokens === 0 ? 0 : pricing.completion === null ? null : u.completionTokens * pricing.completion,
    pricing.request === null ? null : u.requests * pricing.request,
  ];
  return parts.some((p) => p === null) ? null : (parts as number[]).reduce((a, b) => a + b, 0);
}

const change = (actual: number, would: number | null) => (would === null || actual <= 0 ? null : would / actual - 1);

export function whatIf(usage: UsageByModel[], targetId: string, catalogue: readonly ModelInfo[], at: Date): WhatIfResult {
  const target = catalogue.find((m) => m.id === targetId) ?? catalogue.find((m) => m.id === baseModelId(targetId));
  const unknownReason = !target ? (isRouterModel(targetId) ? 'router' : 'unlisted') : isRouterModel(target.id) ? 'router' : null;
  const rows = usage.map((u) => {
    const wouldCost = target && !unknownReason ? priceUsage(u, target, at) : null;
    return { model: u.model, actual: u.cost, wouldCost, change: change(u.cost, wouldCost) };
  });
  const actual = rows.reduce((s, r) => s + r.actual, 0);
  const wouldCost = rows.some((r) => r.wouldCost === null) ? null : rows.reduce((s, r) => s + (r.wouldCost ?? 0), 0);
  const reason = unknownReason ?? (rows.length > 0 && rows.every((r) => r.wouldCost === null) ? 'no-price' : null);
  const sameListedPriceAs = targetId.endsWith(':floor') && target ? target.id : null;
  return { target: targetId, sameListedPriceAs, unknownReason: reason, rows, total: { model: '', actual, wouldCost, change: change(actual, wouldCost) } };
}
