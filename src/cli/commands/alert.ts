/**
 * `alert`: fails (exit 1) with one line per tripped limit, for CI jobs and cron. Daily and
 * monthly spend is the larger of the ledger's figure and OpenRouter's own `/key` counters (the
 * ledger misses other tools' spend; OpenRouter's counters lag a little); the spendable amount is
 * the smaller of the account's credits left and the key's remaining limit, as in the status bar.
 */
import { isOver, utcDayStart, utcMonthStart } from '../../budget/policy';
import { isOpenRouterError } from '../../openrouter/errors';
import type { Credits, KeyInfo } from '../../openrouter/types';
import { computeSpendable } from '../../poller/spendable';
import { number, type Values } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { json, money, spend } from '../output';
import { byModelFromRollups } from '../rollupReader';

/** A limit must be above $0: "alert when anything at all was spent" is not a limit (and 0 means "off" in the settings). */
function limitFrom(values: Values, flag: string, env: string | undefined, envName: string): number | undefined {
  const fromFlag = number(values, flag, { min: 0 });
  if (fromFlag !== undefined) {
    if (fromFlag === 0) throw new CliError(`--${flag} must be more than $0; leave it out to check no ${flag.replace('-limit', '')} limit.`, EXIT.usage, true);
    return fromFlag;
  }
  if (env === undefined || env.trim() === '') return undefined;
  const n = Number(env);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`${envName} must be a number of US dollars ≥ 0; got "${env}".`, EXIT.usage, true);
  // As in the extension's settings, 0 in the environment switches the limit off.
  return n === 0 ? undefined : n;
}

interface LedgerSpend {
  usd: number;
  /** Requests possibly billed whose cost is unknown: `usd` is a lower bound. */
  uncosted: number;
}

/** The ledger's spend since each instant (UTC day starts): from the rollups when they answer, else a full load. */
async function ledgerSpend(ctx: CliContext, since: number[]): Promise<LedgerSpend[]> {
  const dir = ctx.requireLedger();
  const fast = await Promise.all(since.map((from) => byModelFromRollups(dir, { from, to: null }, { percentiles: false })));
  if (fast.every((a) => 'models' in a)) {
    return fast.map((a) => ('models' in a ? { usd: a.models.reduce((s, m) => s + m.cost, 0), uncosted: a.uncosted } : { usd: 0, uncosted: 0 }));
  }
  const view = await ctx.readLedger();
  try {
    return since.map((from) => {
      const s = view.queries.summary({ from });
      return { usd: s.cost, uncosted: s.uncosted ?? 0 };
    });
  } finally {
    view.close();
  }
}

export const alertCommand: Command = {
  name: 'alert',
  usage: 'alert [--daily-limit USD] [--monthly-limit USD] [--min-credits USD]',
  options: { 'daily-limit': { type: 'string' }, 'monthly-limit': { type: 'string' }, 'min-credits': { type: 'string' } },
  async run(ctx, values) {
    const daily = limitFrom(values, 'daily-limit', ctx.env.OPENROUTER_DAILY_LIMIT, 'OPENROUTER_DAILY_LIMIT');
    const monthly = limitFrom(values, 'monthly-limit', ctx.env.OPENROUTER_MONTHLY_LIMIT, 'OPENROUTER_MONTHLY_LIMIT');
    const minCredits = number(values, 'min-credits', { min: 0 });
    if (daily === undefined && monthly === undefined && minCredits === undefined) {
      throw new CliError('Give at least one of --daily-limit, --monthly-limit, --min-credits (or set OPENROUTER_DAILY_LIMIT / OPENROUTER_MONTHLY_LIMIT).', EXIT.usage, true);
    }
    const now = new Date(ctx.now());
    const [ledgerToday, ledgerMonth] = await ledgerSpend(ctx, [utcDayStart(now).getTime(), utcMonthStart(now).getTime()]);

    let key: KeyInfo | null = null;
    let credits: Credits | null = null;
    if (ctx.apiKey('inference') || ctx.apiKey('management')) {
      // /key read with the management key describes that key, not the inference key that spends.
      if (ctx.apiKey('inference')) key = await ctx.client.getKeyInfo({ kind: 'inference' });
      else ctx.out.stderr('note: OpenRouter counters unavailable (no OPENROUTER_API_KEY); only the ledger\'s spend is checked.\n');
      if (minCredits !== undefined) {
        credits = await ctx.client.getCredits().catch((err: unknown) => {
          // /credits needs a management key on current OpenRouter; the key's own limit still bounds spending.
          if (isOpenRouterError(err) && err.kind === 'http' && (err.status === 401 || err.status === 403)) return null;
          throw err;
        });
      }
    } else if (minCredits !== undefined) {
      ctx.requireKey('inference', '--min-credits');
    } else {
      ctx.out.stderr('note: no OPENROUTER_API_KEY set; only the ledger\'s spend is checked (OpenRouter\'s own counters also count spend from other tools).\n');
    }

    const spentToday = Math.max(ledgerToday.usd, key?.usageDaily ?? 0);
    const spentMonth = Math.max(ledgerMonth.usd, key?.usageMonthly ?? 0);
    const spendable = key || credits ? computeSpendable(key, credits) : null;
    const tripped: string[] = [];
    const source = (ledger: LedgerSpend, openRouter: number | null | undefined) =>
      openRouter === null || openRouter === undefined
        ? `ledger ${spend(ledger.usd, ledger.uncosted)}`
        : `ledger ${spend(ledger.usd, ledger.uncosted)}, OpenRouter ${money(openRouter)}; the larger counts`;
    // The spend counted: ≥ while the ledger has requests of unknown cost and its figure is the larger.
    const counted = (usd: number, ledger: LedgerSpend) => (ledger.uncosted && usd === ledger.usd ? spend(usd, ledger.uncosted) : money(usd));
    if (daily !== undefined && isOver(spentToday, daily)) {
      tripped.push(`daily limit: spent ${money(spentToday)} today (UTC) (${source(ledgerToday, key?.usageDaily)}), over the limit of ${money(daily)}`);
    }
    if (monthly !== undefined && isOver(spentMonth, monthly)) {
      tripped.push(`monthly limit: spent ${money(spentMonth)} this month (UTC) (${source(ledgerMonth, key?.usageMonthly)}), over the limit of ${money(monthly)}`);
    }
    if (minCredits !== undefined && spendable?.amount !== null && spendable !== null && isOver(minCredits, spendable.amount)) {
      tripped.push(`credits: ${money(spendable.amount)} spendable (${spendable.binding === 'credits' ? 'account credits left' : "the key's remaining limit"}), below the minimum of ${money(minCredits)}`);
    }
    const result = {
      ok: tripped.length === 0, tripped,
      spentToday: { ledger: ledgerToday.usd, uncostedRequests: ledgerToday.uncosted, openRouter: key?.usageDaily ?? null, counted: spentToday, limit: daily ?? null },
      spentMonth: { ledger: ledgerMonth.usd, uncostedRequests: ledgerMonth.uncosted, openRouter: key?.usageMonthly ?? null, counted: spentMonth, limit: monthly ?? null },
      spendable: spendable ? { amount: spendable.amount, binding: spendable.binding, minimum: minCredits ?? null } : null,
    };
    if (ctx.json) ctx.out.stdout(json(result));
    else if (tripped.length) ctx.out.stdout(tripped.map((t) => `ALERT ${t}\n`).join(''));
    else ctx.out.stdout(`ok: today ${counted(spentToday, ledgerToday)}, this month ${counted(spentMonth, ledgerMonth)}${spendable?.amount != null ? `, spendable ${money(spendable.amount)}` : ''}\n`);
    return tripped.length ? EXIT.tripped : EXIT.ok;
  },
};
