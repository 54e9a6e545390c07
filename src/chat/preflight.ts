/**
 * The check before every send: estimate the worst-case cost from live prices, compare it with the
 * budgets (ledger spend today / this month next to OpenRouter's own counters), and derive the
 * `provider.max_price` that bounds the worst case on OpenRouter's side too.
 */
import { evaluateBudget, utcDayStart, utcMonthStart, type BudgetDecision, type BudgetSettings } from '../budget/policy';
import { estimateRequestCost, maxPriceForBudget, type CostEstimate, type MaxPrice } from '../budget/pricing';
import type { ChatMessage, KeyInfo, ModelInfo } from '../openrouter/types';
import { estimatePromptTokens } from './tokenEstimate';

export interface PreflightInput {
  model: ModelInfo | undefined;
  modelId: string;
  messages: readonly ChatMessage[];
  maxTokens: number;
  budget: BudgetSettings;
  /** USD spent since the given instant, from the ledger. */
  spentSince(from: Date): Promise<number>;
  /** The key's last /key reading, for OpenRouter's own daily/monthly counters. */
  keyInfo: KeyInfo | null;
  now: Date;
}

export interface Preflight {
  promptTokens: number;
  estimate: CostEstimate | { usd: null; unknownReason: string };
  decision: BudgetDecision;
  maxPrice: MaxPrice | null;
}

export async function preflight(input: PreflightInput): Promise<Preflight> {
  const promptTokens = estimatePromptTokens(input.messages);
  const estimate = input.model
    ? estimateRequestCost(input.model, { promptTokens, maxTokens: input.maxTokens, at: input.now })
    : { usd: null, unknownReason: `price unknown for ${input.modelId} (not in OpenRouter's model list)` };
  const [spentToday, spentMonth] = await Promise.all([
    input.spentSince(utcDayStart(input.now)),
    input.spentSince(utcMonthStart(input.now)),
  ]);
  const decision = evaluateBudget({
    settings: input.budget,
    estimateUsd: estimate.usd,
    unknownReason: estimate.unknownReason,
    spentTodayUsd: spentToday,
    spentMonthUsd: spentMonth,
    openRouterUsageDaily: input.keyInfo?.usageDaily ?? null,
    openRouterUsageMonthly: input.keyInfo?.usageMonthly ?? null,
  });
  const maxPrice =
    input.model && input.budget.perRequest > 0
      ? maxPriceForBudget(input.budget.perRequest, input.model, { promptTokens, maxTokens: input.maxTokens, at: input.now })
      : null;
  return { promptTokens, estimate, decision, maxPrice };
}
