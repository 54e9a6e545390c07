/** `verify`: the ledger's integrity check on the files on disk; exit 1 when the chain is broken. */
import { verifyOnDisk } from '../../ledger/diskVerify';
import type { Command } from '../command';
import { EXIT } from '../errors';
import { int, json, safe } from '../output';

export const verifyCommand: Command = {
  name: 'verify',
  usage: 'verify',
  options: {},
  async run(ctx) {
    const dir = ctx.requireLedger();
    const report = await verifyOnDisk(await ctx.sqlJs(), dir, {
      onProgress: (done, total) => ctx.out.progress(`verified ${int(done)} of ${int(total)}`),
    });
    if (ctx.json) {
      ctx.out.stdout(json(report));
    } else if (report.ok) {
      ctx.out.stdout(`ok: ${int(report.rowsChecked)} requests and ${int(report.chainEntries)} chain entries verified.\n`);
    } else {
      ctx.out.stdout(`BROKEN: ${int(report.problems.length)} problem(s) in ${int(report.rowsChecked)} requests:\n`);
      for (const p of report.problems) ctx.out.stdout(`  ${p.kind}${p.generationId ? ` ${safe(p.generationId)}` : p.uid ? ` ${safe(p.uid)}` : ''}: ${safe(p.detail)}\n`);
    }
    return report.ok ? EXIT.ok : EXIT.tripped;
  },
};
