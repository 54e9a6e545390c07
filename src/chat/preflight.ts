/**
 * The check before every send: estimate the worst-case cost from live prices, compare it with the
 * budgets (ledger spend today / this month next to OpenRouter's own counters), and derive the
 * `provider.max_price` that bounds the worst case on OpenRouter's side too.
 */
import { currentPeriodUsage, evaluateBudget, utcDayStart, utcMonthStart, type BudgetDecision, type BudgetSettings } from '../budget/policy';
import { estimateRequestCost, maxPriceAtCurrentPrices, maxPriceForBudget, type CostEstimate, type MaxPrice } from '../budget/pricing';
import type { ChatMessage, KeyInfo, ModelInfo } from '../openrouter/types';
import { plainTranslate, type Translate } from '../util/l10n';
import { estimatePromptTokens } from './tokenEstimate';

export interface PreflightInput {
  model: ModelInfo | undefined;
  modelId: string;
  /**
   * `chat.fallbackModels` with their price-list entries (undefined: not listed). OpenRouter may
   * serve any of them, so each is priced and the worst case counts.
   */
  fallbacks?: ReadonlyArray<{ id: string; model: ModelInfo | undefined }>;
  messages: readonly ChatMessage[];
  maxTokens: number;
  budget: BudgetSettings;
  /**
   * USD spent since the given instant, from the ledger; with `uncosted`, how many requests since
   * then may be billed but have no known cost (a plain number: every cost is known).
   */
  spentSince(from: Date): Promise<number | LedgerSpend>;
  /**
   * The key's last /key reading and when it was taken, for OpenRouter's own daily/monthly
   * counters. A reading from before the current UTC day (month) says nothing about it.
   */
  keyInfo: { key: KeyInfo; fetchedAt: number } | null;
  now: Date;
  /** Translates the estimate's reason and the budget decision (the host passes `vscode.l10n.t`). */
  t?: Translate;
}

/** What the ledger knows of a period's spend: `usd` is a lower bound while `uncosted` > 0. */
export interface LedgerSpend {
  usd: number;
  uncosted: number;
}

const asSpend = (v: number | LedgerSpend): LedgerSpend => (typeof v === 'number' ? { usd: v, uncosted: 0 } : v);

export interface Preflight {
  promptTokens: number;
  estimate: CostEstimate | { usd: null; unknownReason: string };
  decision: BudgetDecision;
  maxPrice: MaxPrice | null;
  /**
   * What to send instead of `maxPrice` once the user explicitly chose "Send anyway": caps at the
   * estimate's own prices (the budget-derived caps would leave OpenRouter no provider), or null
   * when a price is unknown and nothing can be capped.
   */
  maxPriceIfConfirmed: MaxPrice | null;
}

export async function preflight(input: PreflightInput): Promise<Preflight> {
  const t = input.t ?? plainTranslate;
  const promptTokens = estimatePromptTokens(input.messages);
  const candidates = [{ id: input.modelId, model: input.model }, ...(input.fallbacks ?? [])];
  const estimate = worstEstimate(candidates, { promptTokens, maxTokens: input.maxTokens, at: input.now }, t);
  const [spentToday, spentMonth] = (await Promise.all([
    input.spentSince(utcDayStart(input.now)),
    input.spentSince(utcMonthStart(input.now)),
  ])).map(asSpend);
  const usage = input.keyInfo ? currentPeriodUsage(input.keyInfo.key, input.keyInfo.fetchedAt, input.now) : null;
  const decision = evaluateBudget({
    settings: input.budget,
    estimateUsd: estimate.usd,
    unknownReason: estimate.unknownReason,
    spentTodayUsd: spentToday.usd,
    spentMonthUsd: spentMonth.usd,
    uncostedToday: spentToday.uncosted,
    uncostedMonth: spentMonth.uncosted,
    openRouterUsageDaily: usage?.daily ?? null,
    openRouterUsageMonthly: usage?.monthly ?? null,
    t,
  });
  const listed = candidates.map((c) => c.model).filter((m): m is ModelInfo => m !== undefined);
  const allListed = listed.length === candidates.length;
  const maxPrice =
    allListed && input.budget.perRequest > 0
      ? maxPriceForBudget(input.budget.perRequest, listed, { promptTokens, maxTokens: input.maxTokens, at: input.now })
      : null;
  const maxPriceIfConfirmed = allListed && maxPrice ? maxPriceAtCurrentPrices(listed, { promptTokens, at: input.now }) : null;
  return { promptTokens, estimate, decision, maxPrice, maxPriceIfConfirmed };
}

/** The highest estimate over every model the request may be served by; unknown if any is. */
function worstEstimate(
  candidates: ReadonlyArray<{ id: string; model: ModelInfo | undefined }>,
  size: { promptTokens: number; maxTokens: number; at: Date },
  t: Translate,
): Preflight['estimate'] {
  let worst: CostEstimate | undefined;
  for (const c of candidates) {
    const e = c.model
      ? estimateRequestCost(c.model, size, t)
      : { usd: null, unknownReason: t("price unknown for {0} (not in OpenRouter's model list)", c.id) };
    if (e.usd === null) return { usd: null, unknownReason: e.unknownReason ?? t('price unknown') };
    if (!worst || (worst.usd !== null && e.usd > worst.usd)) worst = e as CostEstimate;
  }
  return worst as CostEstimate;
}
