/**
 * `export`, `report` (the ledger's exporters, read-only) and `import` (the cost tracker's
 * usage.jsonl or the audit logger's SQLite, all or nothing with the rejection report).
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { exportRange, type ExportFormat } from '../../ledger/exporter';
import { dateBound, str, type Values } from '../args';
import type { Command } from '../command';
import type { CliContext } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { int, json, safe } from '../output';

const FORMATS: ExportFormat[] = ['csv', 'json', 'jsonl', 'markdown'];

async function runExport(ctx: CliContext, values: Values, format: ExportFormat): Promise<void> {
  const from = dateBound(values, 'from', false);
  const to = dateBound(values, 'to', true);
  if (from !== undefined && to !== undefined && from >= to) throw usageError('--to must be after --from.');
  const output = str(values, 'output');
  if (output !== undefined && (await fs.stat(output).then((s) => s.isDirectory(), () => false))) throw usageError(`--output ${output} is a folder.`);
  const view = await ctx.readLedger();
  // The exporter writes a temp file and renames it into place; for stdout it goes to a private temp folder first.
  const tmpDir = output === undefined ? await fs.mkdtemp(path.join(os.tmpdir(), 'openrouter-ledger-')) : undefined;
  const target = output ?? path.join(tmpDir as string, `export-${randomBytes(4).toString('hex')}`);
  try {
    const result = await exportRange(() => view.ldb, view.queries, format, { from, to }, target, {
      onProgress: (done, total) => ctx.out.progress(`exported ${int(done)} of ${int(total)} requests`),
    });
    if (output === undefined) await pipeline(createReadStream(target), process.stdout, { end: false });
    const summary = `${int(result.rows)} requests, ${int(result.bytes)} bytes${output ? ` → ${output}` : ''}`;
    if (ctx.json && output !== undefined) ctx.out.stdout(json({ rows: result.rows, bytes: result.bytes, output }));
    else ctx.out.stderr(`${summary}\n`);
  } finally {
    view.close();
    if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
  }
}

export const exportCommand: Command = {
  name: 'export',
  usage: 'export --format csv|json|jsonl|markdown [--from D --to D] [--output FILE]',
  options: { format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, output: { type: 'string', short: 'o' } },
  async run(ctx, values) {
    const format = str(values, 'format') as ExportFormat | undefined;
    if (!format || !FORMATS.includes(format)) throw usageError(`--format must be one of ${FORMATS.join(', ')}.`);
    await runExport(ctx, values, format);
    return EXIT.ok;
  },
};

export const reportCommand: Command = {
  name: 'report',
  usage: 'report --from D --to D [--format markdown] [--output FILE]',
  options: { format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, output: { type: 'string', short: 'o' } },
  async run(ctx, values) {
    const format = str(values, 'format') ?? 'markdown';
    if (format !== 'markdown') throw usageError('--format must be markdown (use export for csv, json and jsonl).');
    if (values.from === undefined || values.to === undefined) throw usageError('report needs --from and --to.');
    await runExport(ctx, values, 'markdown');
    return EXIT.ok;
  },
};

export const importCommand: Command = {
  name: 'import',
  usage: 'import FILE [--skip-invalid]',
  options: { 'skip-invalid': { type: 'boolean' } },
  positionals: 1,
  async run(ctx, values, positionals) {
    const file = positionals[0];
    if (!file) throw usageError('import needs the FILE to import.');
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new CliError(`Cannot read ${file}: no such file.`, EXIT.usage);
    const ledger = await ctx.writeLedger();
    ctx.out.progress(`importing ${path.basename(file)}…`);
    const report = await ledger.importFile(path.resolve(file), { skipInvalid: values['skip-invalid'] === true });
    if (ctx.json) {
      ctx.out.stdout(json(report));
    } else {
      const where = (r: { line?: number; row?: number }) => (r.line !== undefined ? `line ${r.line}` : r.row !== undefined ? `row ${r.row}` : 'file');
      for (const r of report.rejected) ctx.out.stderr(`rejected ${where(r)}: ${safe(r.reason)}\n`);
      if (report.rejectedCount > report.rejected.length) ctx.out.stderr(`… and ${int(report.rejectedCount - report.rejected.length)} more rejected.\n`);
      ctx.out.stdout(report.applied
        ? `Imported ${int(report.imported)} requests (${report.format}); ${int(report.skipped)} already in the ledger${report.rejectedCount ? `; ${int(report.rejectedCount)} invalid skipped` : ''}.\n`
        : `Nothing imported: ${int(report.rejectedCount)} invalid record(s). Fix them, or run again with --skip-invalid to import the valid ones only.\n`);
    }
    return report.applied ? EXIT.ok : EXIT.usage;
  },
};
