/**
 * Management-key views: `activity` (OpenRouter's per-day, per-model accounting; kept in the
 * ledger's `activity_daily` beyond OpenRouter's 30-day window), `credits` and `keys` (every page
 * of `/keys`). `--raw` prints the API's own JSON.
 */
import { promises as fs } from 'node:fs';
import { csvField } from '../../ledger/exporter';
import type { ActivityDay } from '../../ledger/queries';
import type { ApiKeyRecord } from '../../openrouter/types';
import { dateBound, str } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { EXIT, usageError } from '../errors';
import { int, json, money, safeRaw, table } from '../output';
import { DAY_MS } from '../../util/time';

const right = { align: 'right' as const };

/** The raw bodies' `data` arrays as one `{ "data": [...] }` (one body unchanged), safe for a terminal (safeRaw). */
function rawJson(ctx: CliContext): string {
  if (ctx.rawBodies.length === 1) return `${safeRaw(ctx.rawBodies[0])}\n`;
  const data = ctx.rawBodies.flatMap((b) => {
    const parsed = JSON.parse(b) as { data?: unknown };
    return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  });
  return `${safeRaw(JSON.stringify({ data }, null, 2))}\n`;
}

export const activityCommand: Command = {
  name: 'activity',
  usage: 'activity [--date D | --from D --to D] [--summary] [--csv FILE] [--raw]',
  options: { date: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, summary: { type: 'boolean' }, csv: { type: 'string' }, raw: { type: 'boolean' } },
  async run(ctx, values) {
    const date = str(values, 'date');
    if (date !== undefined && (values.from !== undefined || values.to !== undefined)) throw usageError('Use either --date or --from/--to.');
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw usageError(`--date must be YYYY-MM-DD; got "${date}".`);
    const from = date !== undefined ? dateBound(values, 'date', false) : dateBound(values, 'from', false);
    const to = date !== undefined ? dateBound(values, 'date', true) : dateBound(values, 'to', true);
    if (from !== undefined && to !== undefined && from >= to) throw usageError('--to must be after --from.');
    ctx.requireKey('management', 'activity');
    const today = Math.floor(ctx.now() / DAY_MS) * DAY_MS;
    const windowStart = today - 30 * DAY_MS;
    // /activity answers for one of the last 30 completed UTC days, or for all of them.
    const askDate = date !== undefined && from !== undefined && from >= windowStart && from < today ? date : undefined;
    if (date !== undefined && askDate === undefined) ctx.out.stderr(`note: ${date} is outside OpenRouter's 30-day window; showing what the ledger kept.\n`);
    ctx.out.progress('reading /activity…');
    const rows = date === undefined || askDate !== undefined ? await ctx.client.getActivity(askDate ? { date: askDate } : {}) : [];
    if (values.raw) {
      ctx.out.stdout(rawJson(ctx));
      return EXIT.ok;
    }
    const ledger = await ctx.writeLedger();
    if (rows.length) await ledger.upsertActivity(rows);
    if (from !== undefined && from < windowStart && date === undefined) ctx.out.stderr(`note: days before ${new Date(windowStart).toISOString().slice(0, 10)} come from the ledger's history.\n`);
    const days: ActivityDay[] = await ledger.queries.activity({ from: from ?? null, to: to ?? null });
    const totals = days.reduce((t, d) => ({ requests: t.requests + d.requests, prompt: t.prompt + d.promptTokens, completion: t.completion + d.completionTokens, usage: t.usage + d.usage }),
      { requests: 0, prompt: 0, completion: 0, usage: 0 });
    if (str(values, 'csv')) {
      const lines = ['date,model,requests,prompt_tokens,completion_tokens,reasoning_tokens,usage,byok_usage',
        ...days.map((d) => [d.date, d.model, d.requests, d.promptTokens, d.completionTokens, d.reasoningTokens, d.usage, d.byokUsage].map(csvField).join(','))];
      await fs.writeFile(str(values, 'csv') as string, `${lines.join('\r\n')}\r\n`);
      ctx.out.stderr(`${int(days.length)} rows → ${str(values, 'csv')}\n`);
    }
    const byModel = new Map<string, { requests: number; prompt: number; completion: number; usage: number }>();
    for (const d of days) {
      const m = byModel.get(d.model) ?? { requests: 0, prompt: 0, completion: 0, usage: 0 };
      m.requests += d.requests; m.prompt += d.promptTokens; m.completion += d.completionTokens; m.usage += d.usage;
      byModel.set(d.model, m);
    }
    if (ctx.json) {
      ctx.out.stdout(json(values.summary ? { totals, byModel: [...byModel].map(([model, m]) => ({ model, ...m })) } : { totals, days }));
      return EXIT.ok;
    }
    const columns = [{ header: 'requests', ...right }, { header: 'tokens in', ...right }, { header: 'tokens out', ...right }, { header: 'usage', ...right }];
    const total = [int(totals.requests), int(totals.prompt), int(totals.completion), money(totals.usage)];
    ctx.out.stdout(values.summary
      ? table([{ header: 'model' }, ...columns], [...byModel].sort((a, b) => b[1].usage - a[1].usage).map(([model, m]) => [model, int(m.requests), int(m.prompt), int(m.completion), money(m.usage)]), ['total', ...total])
      : table([{ header: 'date' }, { header: 'model' }, ...columns], days.map((d) => [d.date, d.model, int(d.requests), int(d.promptTokens), int(d.completionTokens), money(d.usage)]), ['total', '', ...total]));
    return EXIT.ok;
  },
};

export const creditsCommand: Command = {
  name: 'credits',
  usage: 'credits [--raw]',
  options: { raw: { type: 'boolean' } },
  async run(ctx, values) {
    if (!ctx.apiKey('management')) ctx.requireKey('inference', 'credits');
    const c = await ctx.client.getCredits();
    if (values.raw) ctx.out.stdout(rawJson(ctx));
    else if (ctx.json) ctx.out.stdout(json({ totalCredits: c.totalCredits, totalUsage: c.totalUsage, remaining: c.totalCredits - c.totalUsage }));
    else ctx.out.stdout(table([{ header: 'credits' }, { header: 'USD', ...right }], [['purchased', money(c.totalCredits)], ['used', money(c.totalUsage)]], ['left', money(c.totalCredits - c.totalUsage)]));
    return EXIT.ok;
  },
};

type KeyFigures = Pick<ApiKeyRecord, 'disabled' | 'usage' | 'usageDaily' | 'usageMonthly'>;

/** Totals over every key; one unknown figure makes its total unknown (null), never a sum counting it as $0. */
export function keyTotals(keys: readonly KeyFigures[]) {
  const sum = (f: (k: KeyFigures) => number | null) =>
    keys.reduce<number | null>((s, k) => {
      const v = f(k);
      return s === null || v === null || !Number.isFinite(v) ? null : s + v;
    }, 0);
  return { keys: keys.length, disabled: keys.filter((k) => k.disabled).length, usage: sum((k) => k.usage), usageDaily: sum((k) => k.usageDaily), usageMonthly: sum((k) => k.usageMonthly) };
}

export const keysCommand: Command = {
  name: 'keys',
  usage: 'keys [--summary] [--include-disabled] [--raw]',
  options: { summary: { type: 'boolean' }, 'include-disabled': { type: 'boolean' }, raw: { type: 'boolean' } },
  async run(ctx, values) {
    ctx.requireKey('management', 'keys');
    const keys = await ctx.client.listApiKeys({ includeDisabled: values['include-disabled'] === true });
    if (values.raw) {
      ctx.out.stdout(rawJson(ctx));
      return EXIT.ok;
    }
    const totals = keyTotals(keys);
    if (ctx.json) {
      ctx.out.stdout(json(values.summary ? totals : { totals, keys }));
      return EXIT.ok;
    }
    if (values.summary) {
      ctx.out.stdout(table([{ header: '' }, { header: 'value', ...right }], [['keys', int(totals.keys)], ['disabled', int(totals.disabled)], ['usage today', money(totals.usageDaily)],
        ['usage this month', money(totals.usageMonthly)], ['usage all time', money(totals.usage)]]));
      return EXIT.ok;
    }
    const sorted = [...keys].sort((a, b) => b.usage - a.usage);
    ctx.out.stdout(table(
      [{ header: 'name' }, { header: 'key' }, { header: 'state' }, { header: 'limit', ...right }, { header: 'left', ...right }, { header: 'today', ...right }, { header: 'month', ...right }, { header: 'all time', ...right }],
      sorted.map((k) => [k.name, k.label, k.disabled ? 'disabled' : 'active', k.limit === null ? 'none' : money(k.limit), k.limitRemaining === null ? '–' : money(k.limitRemaining),
        money(k.usageDaily), money(k.usageMonthly), money(k.usage)]),
      ['total', `${int(keys.length)} keys`, '', '', '', money(totals.usageDaily), money(totals.usageMonthly), money(totals.usage)],
    ));
    return EXIT.ok;
  },
};
