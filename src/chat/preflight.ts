/**
 * The check before every send: estimate the worst-case cost from live prices, compare it with the
 * budgets (ledger spend today / this month next to OpenRouter's own counters), and derive the
 * `provider.max_price` that bounds the worst case on OpenRouter's side too.
 */
import { evaluateBudget, utcDayStart, utcMonthStart, type BudgetDecision, type BudgetSettings } from '../budget/policy';
import { estimateRequestCost, maxPriceForBudget, type CostEstimate, type MaxPrice } from '../budget/pricing';
import type { ChatMessage, KeyInfo, ModelInfo } from '../openrouter/types';
import { plainTranslate, type Translate } from '../util/l10n';
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
  /** Translates the estimate's reason and the budget decision (the host passes `vscode.l10n.t`). */
  t?: Translate;
}

export interface Preflight {
  promptTokens: number;
  estimate: CostEstimate | { usd: null; unknownReason: string };
  decision: BudgetDecision;
  maxPrice: MaxPrice | null;
}

export async function preflight(input: PreflightInput): Promise<Preflight> {
  const t = input.t ?? plainTranslate;
  const promptTokens = estimatePromptTokens(input.messages);
  const estimate = input.model
    ? estimateRequestCost(input.model, { promptTokens, maxTokens: input.maxTokens, at: input.now }, t)
    : { usd: null, unknownReason: t("price unknown for {0} (not in OpenRouter's model list)", input.modelId) };
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
    t,
  });
  const maxPrice =
    input.model && input.budget.perRequest > 0
      ? maxPriceForBudget(input.budget.perRequest, input.model, { promptTokens, maxTokens: input.maxTokens, at: input.now })
      : null;
  return { promptTokens, estimate, decision, maxPrice };
}
