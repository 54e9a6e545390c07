/**
 * Exports a date range as CSV, JSON, JSON Lines or a Markdown report. Rows are read in
 * keyset-paged batches and written batch by batch to a temp file that is renamed into place at
 * the end, so memory stays flat at any ledger size and a cancelled or failed export leaves no
 * half file behind.
 * Keys never appear: rows only hold masked key labels, and every text cell passes `scrubSecrets`
 * once more on the way out.
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { scrubSecrets } from '../keys/mask';
import { formatUsd } from '../util/money';
import type { LedgerDb } from './apply';
import { COST_COLUMNS, GENERATION_COLUMNS, nanosToDecimal, nanosToUsd } from './normalize';
import type { LedgerQueries } from './queries';
import { msBound } from './queryParts';
import { resolveRange, type TimeZoneSpec } from './timeZone';
import type { TimeRange } from './types';

/** `jsonl`: one request per line with the column names of `generations` (for DuckDB, warehouses). */
export type ExportFormat = 'csv' | 'json' | 'jsonl' | 'markdown';

export interface ExportOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Days in the Markdown report's daily table. */
  tz?: TimeZoneSpec;
  batchSize?: number;
}

export interface ExportResult {
  rows: number;
  bytes: number;
}

/** Formula-injection guard: a cell a spreadsheet would evaluate gets a leading apostrophe. */
export function neutralizeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * One RFC 4180 field. Text is neutralised, then always quoted: spreadsheets in locales whose
 * decimal mark is a comma split on `;`, so an unquoted `main;=HYPERLINK(…)` would become a
 * formula cell there. Numbers (written by the ledger) and empty cells stay bare.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return `"${neutralizeCell(scrubSecrets(value)).replace(/"/g, '""')}"`;
}

/** Markdown table cell: no pipes, newlines or markup that could break or inject into the table. */
export function markdownCell(text: string): string {
  return scrubSecrets(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1');
}

class Output {
  bytes = 0;
  private constructor(private readonly handle: fs.FileHandle, readonly tmp: string) {}

  static async open(target: string): Promise<Output> {
    const tmp = `${target}.partial-${randomBytes(4).toString('hex')}`;
    return new Output(await fs.open(tmp, 'wx'), tmp);
  }

  async write(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < buf.length) written += (await this.handle.write(buf, written)).bytesWritten;
    this.bytes += buf.length;
  }

  async commit(target: string): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await fs.rename(this.tmp, target);
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }
}

type Cell = string | number | null;

const COST_AT = new Set<number>(COST_COLUMNS.map((c) => GENERATION_COLUMNS.indexOf(c)));

/**
 * A CSV line of stored values: amounts (whole nano-dollars) as exact plain decimals, never 1e-9
 * or −0. A value that is not whole nano-dollars (the file was edited by another tool) is
 * written as the dollars it stands for.
 */
function csvLine(row: Cell[]): string {
  return row.map((v, i) => {
    if (!COST_AT.has(i) || typeof v !== 'number') return csvField(v);
    return Number.isSafeInteger(v) ? nanosToDecimal(v) : csvField(nanosToUsd(v));
  }).join(',');
}

/**
 * Pages through `generations` in [from, to) (epoch ms) ordered by (ts, id). Each page starts the
 * index range at the previous page's last `ts`: with the row value `(ts, id) > (?, ?)` alone,
 * SQLite scanned the index from `from` on every page, so a 1M-row export read half a billion entries.
 */
async function forEachBatch(ldb: () => LedgerDb, from: number, to: number, size: number, fn: (rows: Cell[][]) => Promise<void>): Promise<void> {
  const cols = GENERATION_COLUMNS.join(', ');
  let cursor: [number, number] = [-1, 0];
  for (;;) {
    const rows = ldb().all(
      `SELECT id, ts_ms, ${cols} FROM generations WHERE ts_ms >= ? AND ts_ms < ? AND (ts_ms > ? OR id > ?) ORDER BY ts_ms, id LIMIT ?`,
      [Math.max(from, cursor[0]), to, cursor[0], cursor[1], size],
    );
    if (!rows.length) return;
    const last = rows[rows.length - 1];
    cursor = [last[1] as number, last[0] as number];
    await fn(rows.map((r) => r.slice(2) as Cell[]));
  }
}

export async function exportRange(
  ldb: () => LedgerDb,
  queries: LedgerQueries,
  format: ExportFormat,
  range: TimeRange,
  outPath: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const r = resolveRange(range);
  const [from, to] = [msBound(r.from), msBound(r.to)];
  const total = ldb().all('SELECT COUNT(*) FROM generations WHERE ts_ms >= ? AND ts_ms < ?', [from, to])[0][0] as number;
  const out = await Output.open(outPath);
  let done = 0;
  const progress = async (rows: number) => {
    done += rows;
    options.onProgress?.(done, total);
    if (options.signal?.aborted) throw new Error('Export cancelled.');
  };
  try {
    if (format === 'markdown') {
      await out.write(markdownReport(queries, range, options.tz));
      await progress(total);
    } else if (format === 'jsonl') {
      await forEachBatch(ldb, from, to, options.batchSize ?? 1000, async (rows) => {
        await out.write(rows.map((row) => `${JSON.stringify(jsonRow(row))}\n`).join(''));
        await progress(rows.length);
      });
    } else if (format === 'csv') {
      await out.write(`${GENERATION_COLUMNS.map(csvField).join(',')}\r\n`);
      await forEachBatch(ldb, from, to, options.batchSize ?? 1000, async (rows) => {
        await out.write(rows.map((row) => `${csvLine(row)}\r\n`).join(''));
        await progress(rows.length);
      });
    } else {
      const header = { format: 'openrouter-ledger', version: 1, exportedAt: new Date().toISOString(), range: { from: isoOrNull(r.from), to: isoOrNull(r.to) } };
      await out.write(`${JSON.stringify(header).slice(0, -1)},"rows":[`);
      let first = true;
      await forEachBatch(ldb, from, to, options.batchSize ?? 1000, async (rows) => {
        const text = rows.map((row) => (first ? ((first = false), '\n') : ',\n') + JSON.stringify(jsonRow(row))).join('');
        await out.write(text);
        await progress(rows.length);
      });
      await out.write('\n]}\n');
    }
    await out.commit(outPath);
  } catch (err) {
    await out.discard();
    throw err;
  }
  return { rows: format === 'markdown' ? total : done, bytes: out.bytes };
}

/** A range end as the export's header names it: ISO-8601, null when open. */
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

function jsonRow(row: Cell[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  GENERATION_COLUMNS.forEach((c, i) => {
    const v = row[i];
    if (c === 'tags' && typeof v === 'string') obj[c] = JSON.parse(v);
    else if ((c === 'is_byok' || c === 'streamed') && v !== null) obj[c] = v === 1;
    // The double nearest the exact decimal: JSON prints that decimal back.
    else if (COST_AT.has(i) && typeof v === 'number') obj[c] = nanosToUsd(v);
    else obj[c] = typeof v === 'string' ? scrubSecrets(v) : v;
  });
  return obj;
}

function markdownReport(queries: LedgerQueries, range: TimeRange, tz: TimeZoneSpec | undefined): string {
  const s = queries.summary(range);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const int = (x: number) => x.toLocaleString('en-US');
  const ms = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x)} ms`);
  const r = resolveRange(range);
  const label = (v: number) => (Number.isFinite(v) ? new Date(v).toISOString() : '…');
  const lines = [
    '# OpenRouter Ledger report',
    '',
    `Range: ${label(r.from)} – ${label(r.to)} (UTC). Generated ${new Date().toISOString()}.`,
    '',
    '## Summary',
    '',
    '| Requests | Errors | Error rate | Prompt tokens | Completion tokens | Cost | Avg cost / request |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${int(s.requests)} | ${int(s.errors)} | ${pct(s.errorRate)} | ${int(s.promptTokens)} | ${int(s.completionTokens)} | ${formatUsd(s.cost)} | ${s.avgCostPerRequest === null ? '–' : formatUsd(s.avgCostPerRequest)} |`,
    '',
    '## By model',
    '',
    '| Model | Requests | Tokens | Cost | Share | Median latency | p95 latency | Error rate |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...queries.byModel(range).map((m) =>
      `| ${markdownCell(m.model)} | ${int(m.requests)} | ${int(m.totalTokens)} | ${formatUsd(m.cost)} | ${pct(m.costShare)} | ${ms(m.latency?.median)} | ${ms(m.latency?.p95)} | ${pct(m.errorRate)} |`),
    '',
    '## Daily',
    '',
    '| Day | Requests | Tokens | Cost | Errors |',
    '|---|---:|---:|---:|---:|',
    ...queries.dailySeries(range, tz).map((d) => `| ${d.day} | ${int(d.requests)} | ${int(d.totalTokens)} | ${formatUsd(d.cost)} | ${int(d.errors)} |`),
    '',
  ];
  return lines.join('\n');
}
