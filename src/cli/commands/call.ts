/**
 * `call`: one audited request through the chat's own code path — pre-flight budget check from
 * live prices, `provider.max_price` for a per-request limit, the row in the ledger whatever
 * happens (runAuditedStream), then the `/generation` backfill; a record OpenRouter has not
 * written yet stays pending and the extension completes it later. The answer goes to stdout,
 * the cost to stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { effectivePricing } from '../../budget/pricing';
import { runAuditedStream, type AuditContext } from '../../chat/auditedCall';
import { GenerationBackfiller } from '../../chat/backfill';
import { ModelCatalog } from '../../chat/modelCatalog';
import { preflight } from '../../chat/preflight';
import { maskKey } from '../../keys/mask';
import type { ChatRequest } from '../../openrouter/types';
import { describeError } from '../../util/errors';
import { number, str } from '../args';
import type { Command } from '../command';
import { CliError, EXIT, usageError } from '../errors';
import { money } from '../output';

/** Sent as `user`: a stable id of this account on this machine, never the login name itself. */
function localUserId(): string {
  return `cli-${createHash('sha256').update(`${os.hostname()}\0${os.userInfo().username}`).digest('hex').slice(0, 12)}`;
}

function limitEnv(value: string | undefined, name: string): number {
  if (value === undefined || value.trim() === '') return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw usageError(`${name} must be a number of US dollars ≥ 0; got "${value}".`);
  return n;
}

export const callCommand: Command = {
  name: 'call',
  usage: 'call --model M --prompt P [--stream] [--max-tokens N] [--max-cost USD] [--user U] [--tag T]… [--wait SECONDS]',
  options: {
    model: { type: 'string' }, prompt: { type: 'string' }, stream: { type: 'boolean' }, 'max-tokens': { type: 'string' },
    'max-cost': { type: 'string' }, user: { type: 'string' }, tag: { type: 'string', multiple: true }, wait: { type: 'string' },
  },
  async run(ctx, values) {
    const model = str(values, 'model');
    const prompt = str(values, 'prompt');
    if (!model || !model.trim()) throw usageError('--model is required.');
    if (prompt === undefined || !prompt.trim()) throw usageError('--prompt is required.');
    const maxTokens = number(values, 'max-tokens', { min: 1, integer: true }) ?? 1024;
    const waitMs = (number(values, 'wait', { min: 0 }) ?? 20) * 1000;
    const budget = {
      daily: limitEnv(ctx.env.OPENROUTER_DAILY_LIMIT, 'OPENROUTER_DAILY_LIMIT'),
      monthly: limitEnv(ctx.env.OPENROUTER_MONTHLY_LIMIT, 'OPENROUTER_MONTHLY_LIMIT'),
      perRequest: number(values, 'max-cost', { min: 0 }) ?? 0,
      // No one to ask at a terminal in a script: an over-limit request is refused.
      mode: 'block' as const,
    };
    const apiKey = ctx.requireKey('inference', 'call');
    const client = ctx.client;
    const ledger = await ctx.writeLedger();
    const catalog = new ModelCatalog(() => client, async () => ledger);
    const modelInfo = await catalog.find(model).catch((err: unknown) => {
      ctx.out.verbose(`model prices unavailable: ${describeError(err)}`);
      return undefined;
    });
    const keyInfo = budget.daily || budget.monthly ? { key: await client.getKeyInfo({ kind: 'inference' }), fetchedAt: ctx.now() } : null;
    const messages = [{ role: 'user' as const, content: prompt }];
    const check = await preflight({
      model: modelInfo, modelId: model, messages, maxTokens, budget, keyInfo, now: new Date(ctx.now()),
      spentSince: async (from) => {
        const spent = await ledger.queries.summary({ from: from.getTime() });
        return { usd: spent.cost, uncosted: spent.uncosted ?? 0 };
      },
    });
    if (check.decision.verdict !== 'ok') {
      ctx.out.stderr(`${check.decision.summary}\n`);
      return EXIT.tripped;
    }
    ctx.out.verbose(check.decision.summary);

    const session = `cli-${randomBytes(6).toString('hex')}`;
    const request: ChatRequest = { model, messages, maxTokens, sessionId: session, ...(check.maxPrice ? { maxPrice: check.maxPrice } : {}) };
    const audit: AuditContext = {
      userId: str(values, 'user') ?? localUserId(),
      tags: ['cli', ...((values.tag as string[] | undefined) ?? [])],
      workspace: path.basename(process.cwd()) || null,
      gitBranch: null,
      storePrompts: 'none',
      redactionPatterns: [],
      keyLabel: maskKey(apiKey),
      chatSession: session,
    };
    const pricing = modelInfo ? effectivePricing(modelInfo.pricing, { promptTokens: check.promptTokens, at: new Date() }) : undefined;
    const abort = new AbortController();
    // Ctrl+C, `kill`, a closed terminal: abort, record the row as cancelled, then exit.
    const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const onSignal = () => abort.abort();
    for (const signal of stopSignals) process.once(signal, onSignal);
    let result;
    try {
      result = await runAuditedStream(
        {
          client, ledger,
          // The row's cost while the request runs, kept if it stops before OpenRouter reports one.
          estimateAtSend: check.estimate.usd,
          estimatePromptTokens: () => check.promptTokens,
          estimateCost: (p, c) => (pricing && pricing.prompt !== null && pricing.completion !== null ? p * pricing.prompt + c * pricing.completion + (pricing.request ?? 0) : null),
        },
        request, audit,
        { onDelta: (text) => (values.stream ? ctx.out.stdout(text) : undefined) },
        abort.signal,
      );
    } finally {
      for (const signal of stopSignals) process.off(signal, onSignal);
    }
    // No one to ask at a terminal in a script: a billed request the ledger cannot record is not sent.
    if (!result.sent) throw new CliError(`The ledger cannot record this call, so it was not sent: ${describeError(result.recordError)}`, EXIT.usage);
    if (!values.stream) ctx.out.stdout(result.content);
    if (result.content && !result.content.endsWith('\n')) ctx.out.stdout('\n');
    if (result.recordError) ctx.out.stderr(`warning: this request was not recorded in the ledger: ${describeError(result.recordError)}\n`);

    let exact = false;
    if (result.uid && result.generationId && (result.status !== 'error' || result.usage) && waitMs > 0) {
      ctx.out.progress('waiting for the exact cost from /generation…');
      const backfiller = new GenerationBackfiller({
        client: () => client, ledger: async () => ledger, logger: ctx.logger, waitMs,
        abandonAfterMs: 24 * 3_600_000, onCompleted: () => (exact = true),
      });
      await backfiller.enqueue(result.uid, result.generationId);
      backfiller.dispose();
    }
    const recorded = result.uid ? (await ledger.queries.recent(100)).find((r) => r.uid === result.uid) : undefined;
    const cost = recorded ? recorded.total_cost : (result.usage?.cost ?? null);
    const how = exact ? 'exact, from /generation' : result.usage?.cost != null ? 'usage.cost; the exact record is left pending for the extension' : 'estimate';
    ctx.out.stderr(`${result.status} · ${result.modelUsed ?? model} · cost ${money(cost)} (${how})${result.generationId ? ` · ${result.generationId}` : ''}\n`);
    if (result.status === 'success') return EXIT.ok;
    if (result.status === 'cancelled') {
      ctx.out.stderr('cancelled; the request is recorded.\n');
      return EXIT.tripped;
    }
    throw new CliError(describeError(result.error), EXIT.api);
  },
};
