/**
 * `clean --before D`: deletes requests, credit readings and activity days dated before D, after
 * confirmation. Without a terminal to ask on, it refuses unless `--yes` is given. A date in the
 * future is refused (it would delete today's records), and so is a date after a request still
 * `pending` — a call running now in some window, whose row must outlive it.
 */
import { createInterface } from 'node:readline/promises';
import { dateBound } from '../args';
import type { Command } from '../command';
import { CliError, EXIT, usageError } from '../errors';
import { int, json } from '../output';

export const cleanCommand: Command = {
  name: 'clean',
  usage: 'clean --before D [--yes]',
  options: { before: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  async run(ctx, values) {
    const before = dateBound(values, 'before', false);
    if (before === undefined) throw usageError('clean needs --before D.');
    const day = new Date(before).toISOString();
    if (before > ctx.now()) throw usageError(`--before ${day} is in the future; clean deletes only what is dated before a past date.`);
    if (!values.yes && !process.stdin.isTTY) {
      throw new CliError(`Refusing to delete without confirmation: stdin is not a terminal. Run again with --yes to delete everything before ${day}.`, EXIT.usage, true);
    }
    ctx.requireLedger();
    const ledger = await ctx.writeLedger();
    const pending = await ledger.queries.oldestPending();
    if (pending !== null && Date.parse(pending) < before) {
      throw new CliError(`A request dated ${pending} is still pending (a call in progress, or a window that has not closed): choose a date before it, or try again once it has finished.`, EXIT.usage);
    }
    const count = ledger.queries.summary({ to: before }).requests;
    if (!values.yes) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Delete ${int(count)} requests (and credit readings, activity days) dated before ${day} from ${ctx.ledgerDir}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        ctx.out.stderr('Nothing deleted.\n');
        return EXIT.ok;
      }
    }
    const deleted = await ledger.deleteBefore(before, 'all');
    if (ctx.json) ctx.out.stdout(json({ deleted, before: day }));
    else ctx.out.stdout(`Deleted ${int(deleted)} requests dated before ${day}.\n`);
    return EXIT.ok;
  },
};
