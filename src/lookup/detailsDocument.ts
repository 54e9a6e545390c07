/**
 * The "explain this request" document (no `vscode` import): OpenRouter's `/generation` record —
 * cost breakdown, native tokens, models, every provider attempt, timings, request facts — and,
 * when the ledger holds the same generation, both side by side with every difference marked.
 * Every string from the API or the ledger goes through `mdText`, so it renders as text.
 */
import type { StoredGeneration } from '../ledger/types';
import type { Generation } from '../openrouter/types';
import { formatUsd } from '../util/money';
import { plainTranslate, type Translate } from '../util/l10n';
import { mdText } from './markdownText';

/** Below this, two USD amounts are the same (float noise), as in reconciliation. */
export const COST_TOLERANCE = 0.000001;

export type DifferenceField = 'cost' | 'promptTokens' | 'completionTokens' | 'reasoningTokens' | 'cachedTokens' | 'model' | 'provider';

export interface Difference {
  field: DifferenceField;
  openRouter: string;
  ledger: string;
}

interface Compared {
  field: DifferenceField;
  openRouter: number | string | null;
  ledger: number | string | null;
}

function comparedFields(g: Generation, row: StoredGeneration): Compared[] {
  return [
    { field: 'cost', openRouter: g.totalCost ?? g.usage, ledger: row.total_cost },
    { field: 'promptTokens', openRouter: g.nativeTokensPrompt ?? g.tokensPrompt, ledger: row.prompt_tokens },
    { field: 'completionTokens', openRouter: g.nativeTokensCompletion ?? g.tokensCompletion, ledger: row.completion_tokens },
    { field: 'reasoningTokens', openRouter: g.nativeTokensReasoning, ledger: row.reasoning_tokens },
    { field: 'cachedTokens', openRouter: g.nativeTokensCached, ledger: row.cached_tokens },
    { field: 'model', openRouter: g.model, ledger: row.model_used },
    { field: 'provider', openRouter: g.providerName, ledger: row.provider },
  ];
}

function differs(c: Compared): boolean {
  if (c.openRouter === null && c.ledger === null) return false;
  if (c.openRouter === null || c.ledger === null) {
    // The ledger not knowing a count OpenRouter reports as 0 is not a disagreement.
    return !(c.field.endsWith('Tokens') && (c.openRouter ?? 0) === 0 && (c.ledger ?? 0) === 0);
  }
  if (c.field === 'cost') return Math.abs(Number(c.openRouter) - Number(c.ledger)) > COST_TOLERANCE;
  return c.openRouter !== c.ledger;
}

const shown = (field: DifferenceField, v: number | string | null) =>
  v === null ? 'unknown' : field === 'cost' ? formatUsd(Number(v)) : String(v);

/** Every field where OpenRouter's record and the ledger's row disagree. */
export function compareWithLedger(g: Generation, row: StoredGeneration): Difference[] {
  return comparedFields(g, row)
    .filter(differs)
    .map((c) => ({ field: c.field, openRouter: shown(c.field, c.openRouter), ledger: shown(c.field, c.ledger) }));
}

const usd = (v: number | null | undefined) => mdText(formatUsd(v));
const count = (v: number | null | undefined) => (v === null || v === undefined ? mdText(null) : mdText(v.toLocaleString('en-US')));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? mdText(null) : mdText(`${Math.round(v).toLocaleString('en-US')} ms`));

export interface DetailsInput {
  id: string;
  generation: Generation | null;
  ledgerRow: StoredGeneration | null;
  /** Why there is no `/generation` record, when there is none. */
  unavailable?: string;
  t?: Translate;
}

/** The whole document as Markdown. */
export function buildDetailsMarkdown(input: DetailsInput): string {
  const t = input.t ?? plainTranslate;
  const { generation: g, ledgerRow: row } = input;
  const diffs = new Map((g && row ? compareWithLedger(g, row) : []).map((d) => [d.field, d]));
  const out: string[] = [`# ${t('Generation {0}', mdText(input.id))}`, ''];

  if (!g) out.push(`> ${mdText(input.unavailable ?? t('OpenRouter has no record of this generation.'))}`, '');
  if (g && row) {
    out.push(
      diffs.size
        ? `**${t('{0} difference(s) between OpenRouter and the ledger', diffs.size)}** (${t('marked ≠ below')}): ${[...diffs.keys()].map(mdText).join(', ')}`
        : t('OpenRouter and the ledger agree on cost, tokens, model and provider.'),
      '',
    );
  } else if (g) {
    out.push(t('This generation is not in the ledger (made by another tool, or before the extension recorded it).'), '');
  }

  const table = (title: string, rows: Array<[string, string, string | undefined, DifferenceField | undefined]>) => {
    out.push(`## ${title}`, '');
    if (row && g) {
      out.push(`| | ${t('OpenRouter')} | ${t('Ledger')} | |`, '|---|---|---|---|');
      for (const [label, or, ledger, field] of rows) out.push(`| ${label} | ${or} | ${ledger ?? ''} | ${field && diffs.has(field) ? `**≠ ${t('differs')}**` : ''} |`);
    } else {
      const source = g ? t('OpenRouter') : t('Ledger');
      out.push(`| | ${source} |`, '|---|---|');
      for (const [label, or, ledger] of rows) out.push(`| ${label} | ${g ? or : ledger ?? mdText(null)} |`);
    }
    out.push('');
  };

  table(t('Cost'), [
    [t('Total cost'), usd(g?.totalCost ?? g?.usage), row ? usd(row.total_cost) : undefined, 'cost'],
    [t('Upstream inference cost'), usd(g?.upstreamInferenceCost), row ? usd(row.upstream_inference_cost) : undefined, undefined],
    [t('Cache discount'), usd(g?.cacheDiscount), row ? usd(row.cache_discount) : undefined, undefined],
    [t('BYOK'), mdText(g?.isByok === null || g?.isByok === undefined ? null : g.isByok ? t('yes') : t('no')), row ? mdText(row.is_byok === null ? null : row.is_byok ? t('yes') : t('no')) : undefined, undefined],
    [t('Cost source'), mdText('/generation'), row ? mdText(row.cost_source) : undefined, undefined],
  ]);
  table(t('Tokens (native)'), [
    [t('Prompt'), count(g?.nativeTokensPrompt ?? g?.tokensPrompt), row ? count(row.prompt_tokens) : undefined, 'promptTokens'],
    [t('Completion'), count(g?.nativeTokensCompletion ?? g?.tokensCompletion), row ? count(row.completion_tokens) : undefined, 'completionTokens'],
    [t('Reasoning'), count(g?.nativeTokensReasoning), row ? count(row.reasoning_tokens) : undefined, 'reasoningTokens'],
    [t('Cached (read)'), count(g?.nativeTokensCached), row ? count(row.cached_tokens) : undefined, 'cachedTokens'],
    [t('Cache write'), mdText(t('not reported by OpenRouter')), row ? mdText(null) : undefined, undefined],
  ]);
  table(t('Model and provider'), [
    [t('Model requested'), mdText(row?.model_requested ?? null), row ? mdText(row.model_requested) : undefined, undefined],
    [t('Model used'), mdText(g?.model), row ? mdText(row.model_used) : undefined, 'model'],
    [t('Router'), mdText(g?.router), row ? mdText(null) : undefined, undefined],
    [t('Provider'), mdText(g?.providerName), row ? mdText(row.provider) : undefined, 'provider'],
  ]);

  if (g) {
    out.push(`## ${t('Provider attempts')}`, '');
    const attempts = g.providerResponses ?? [];
    if (!attempts.length) out.push(t('OpenRouter listed no provider attempts.'), '');
    else {
      out.push(`| # | ${t('Provider')} | ${t('Model')} | ${t('Status')} | ${t('Latency')} | ${t('BYOK')} |`, '|---|---|---|---|---|---|');
      attempts.forEach((a, i) =>
        out.push(`| ${i + 1} | ${mdText(a.providerName)} | ${mdText(a.modelPermaslug)} | ${mdText(a.status)}${a.status !== null && a.status >= 200 && a.status < 300 ? ` ${t('(served)')}` : ''} | ${ms(a.latencyMs)} | ${mdText(a.isByok === null ? null : a.isByok ? t('yes') : t('no'))} |`),
      );
      out.push('');
    }
  }

  table(t('Timing'), [
    [t('Latency'), ms(g?.latencyMs), row ? ms(row.latency_ms) : undefined, undefined],
    [t('Generation time'), ms(g?.generationTimeMs), row ? ms(row.generation_time_ms) : undefined, undefined],
    [t('Moderation latency'), ms(g?.moderationLatencyMs), row ? mdText(null) : undefined, undefined],
    [t('Time to first token'), mdText(null), row ? ms(row.ttft_ms) : undefined, undefined],
  ]);
  const flag = (v: boolean | null | undefined) => mdText(v === null || v === undefined ? null : v ? t('yes') : t('no'));
  table(t('Request'), [
    [t('Created'), mdText(g?.createdAt), row ? mdText(row.ts) : undefined, undefined],
    [t('Status'), mdText(null), row ? mdText(row.status) : undefined, undefined],
    [t('Finish reason'), mdText(g?.finishReason), row ? mdText(row.finish_reason) : undefined, undefined],
    [t('Native finish reason'), mdText(g?.nativeFinishReason), row ? mdText(null) : undefined, undefined],
    [t('Streamed'), flag(g?.streamed), row ? flag(row.streamed === null ? null : row.streamed === 1) : undefined, undefined],
    [t('Cancelled'), flag(g?.cancelled), row ? flag(row.status === 'cancelled') : undefined, undefined],
    [t('Origin'), mdText(g?.origin), row ? mdText(row.origin) : undefined, undefined],
    [t('App'), mdText(g?.appId), row ? mdText(null) : undefined, undefined],
    [t('User'), mdText(g?.externalUser), row ? mdText(row.user_id) : undefined, undefined],
    [t('Session'), mdText(g?.sessionId), row ? mdText(row.chat_session) : undefined, undefined],
  ]);
  return out.join('\n');
}
