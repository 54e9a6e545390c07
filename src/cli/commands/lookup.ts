/**
 * `query --id` (the ledger's row for a generation) and `generation --id` (OpenRouter's own
 * `/generation` record, with the ledger's row beside it and every difference marked). Id
 * checking, the 404-lag policy and the comparison are the extension's look-up's (src/lookup/).
 */
import { compareWithLedger, type DifferenceField } from '../../lookup/detailsDocument';
import { fetchGeneration, requestTime } from '../../lookup/fetchGeneration';
import { parseGenerationId } from '../../lookup/generationId';
import type { Generation } from '../../openrouter/types';
import type { StoredGeneration } from '../../ledger/types';
import { number, str, type Values } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { json, money, safe, safeRaw, table } from '../output';
import { holdsLedger } from '../locations';

function idOf(values: Values): string {
  const raw = str(values, 'id');
  if (raw === undefined) throw usageError('--id is required.');
  const parsed = parseGenerationId(raw);
  if (!parsed.ok) throw usageError(`--id: ${parsed.problem}`);
  return parsed.id;
}

async function ledgerRow(ctx: CliContext, id: string): Promise<StoredGeneration | undefined> {
  const view = await ctx.readLedger();
  try {
    return view.ldb.findGeneration(id, id);
  } finally {
    view.close();
  }
}

export const queryCommand: Command = {
  name: 'query',
  usage: 'query --id GEN',
  options: { id: { type: 'string' } },
  async run(ctx, values) {
    const id = idOf(values);
    const row = await ledgerRow(ctx, id);
    if (!row) throw new CliError(`The ledger has no request with id ${id}.`, EXIT.usage);
    if (ctx.json) {
      ctx.out.stdout(json(row));
      return EXIT.ok;
    }
    ctx.out.stdout(table([{ header: 'field' }, { header: 'value' }], Object.entries(row).map(([k, v]) => [k, v === null ? '' : k === 'total_cost' ? money(v as number) : String(v)])));
    return EXIT.ok;
  },
};

const FIELDS: { field: DifferenceField; label: string; openRouter: (g: Generation) => number | string | null; ledger: (r: StoredGeneration) => number | string | null }[] = [
  { field: 'cost', label: 'cost', openRouter: (g) => g.totalCost ?? g.usage, ledger: (r) => r.total_cost },
  { field: 'promptTokens', label: 'prompt tokens', openRouter: (g) => g.nativeTokensPrompt ?? g.tokensPrompt, ledger: (r) => r.prompt_tokens },
  { field: 'completionTokens', label: 'completion tokens', openRouter: (g) => g.nativeTokensCompletion ?? g.tokensCompletion, ledger: (r) => r.completion_tokens },
  { field: 'reasoningTokens', label: 'reasoning tokens', openRouter: (g) => g.nativeTokensReasoning, ledger: (r) => r.reasoning_tokens },
  { field: 'cachedTokens', label: 'cached tokens', openRouter: (g) => g.nativeTokensCached, ledger: (r) => r.cached_tokens },
  { field: 'model', label: 'model', openRouter: (g) => g.model, ledger: (r) => r.model_used },
  { field: 'provider', label: 'provider', openRouter: (g) => g.providerName, ledger: (r) => r.provider },
];

export const generationCommand: Command = {
  name: 'generation',
  usage: 'generation --id GEN [--wait SECONDS] [--raw]',
  options: { id: { type: 'string' }, raw: { type: 'boolean' }, wait: { type: 'string' } },
  async run(ctx, values) {
    const id = idOf(values);
    const wait = number(values, 'wait', { min: 0 });
    ctx.requireKey(ctx.apiKey('inference') || !ctx.apiKey('management') ? 'inference' : 'management', 'generation');
    const row = holdsLedger(ctx.ledgerDir) ? await ledgerRow(ctx, id) : undefined;
    ctx.out.progress(`asking OpenRouter for ${id}…`);
    const found = await fetchGeneration(ctx.client, id, {
      requestedAt: requestTime(id, row?.ts), now: ctx.now(),
      ...(wait !== undefined ? { freshWaitMs: wait * 1000, oldWaitMs: wait * 1000 } : {}),
    });
    if (found.kind === 'not-yet') throw new CliError(`OpenRouter has no record of ${id} yet (404 for ${found.waitedMs / 1000} s); it is written shortly after a request ends — try again in a minute.`, EXIT.api);
    if (found.kind === 'unknown') throw new CliError(`OpenRouter has no record of ${id}: the id is unknown, of another account, or expired.`, EXIT.api);
    const g = found.generation;
    if (values.raw) {
      ctx.out.stdout(`${safeRaw(ctx.rawBodies[ctx.rawBodies.length - 1] ?? '')}\n`);
      return EXIT.ok;
    }
    const differences = row ? compareWithLedger(g, row) : [];
    if (ctx.json) {
      ctx.out.stdout(json({ generation: g, ledger: row ?? null, differences }));
      return EXIT.ok;
    }
    const show = (field: DifferenceField, v: number | string | null) => (v === null ? '–' : field === 'cost' && typeof v === 'number' ? money(v) : String(v));
    ctx.out.stdout(`Generation ${safe(id)}${g.createdAt ? ` at ${g.createdAt}` : ''}\n\n`);
    ctx.out.stdout(table(
      [{ header: 'field' }, { header: 'OpenRouter' }, { header: row ? 'ledger' : 'ledger (not recorded)' }, { header: '' }],
      FIELDS.map((f) => [f.label, show(f.field, f.openRouter(g)), row ? show(f.field, f.ledger(row)) : '',
        differences.some((d) => d.field === f.field) ? '≠ differs' : '']),
    ));
    const extra = [
      ['latency', g.latencyMs === null ? '–' : `${g.latencyMs} ms`], ['generation time', g.generationTimeMs === null ? '–' : `${g.generationTimeMs} ms`],
      ['streamed', String(g.streamed ?? '–')], ['cancelled', String(g.cancelled ?? '–')], ['BYOK', String(g.isByok ?? '–')],
      ['upstream cost', money(g.upstreamInferenceCost)], ['user', g.externalUser ?? '–'], ['router', g.router ?? '–'],
    ];
    ctx.out.stdout(`\n${table([{ header: 'detail' }, { header: 'value' }], extra)}`);
    if (g.providerResponses?.length) {
      ctx.out.stdout(`\nProvider attempts\n${table([{ header: 'provider' }, { header: 'status', align: 'right' }, { header: 'latency', align: 'right' }],
        g.providerResponses.map((p) => [p.providerName ?? '?', p.status === null ? '–' : String(p.status), p.latencyMs === null ? '–' : `${p.latencyMs} ms`]))}`);
    }
    return EXIT.ok;
  },
};
