/**
 * How results reach the terminal: aligned tables with a totals row, money as `$1.2345`, JSON
 * for machines, progress on stderr only when stderr is a terminal. Every string from the
 * ledger or the API passes `scrubSecrets` and loses control characters, so a hostile model name
 * cannot move the cursor or hide a line.
 */
import { scrubSecrets } from '../keys/mask';
import { formatUsd } from '../util/money';

export interface Out {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A progress line, overwritten in place; silent when stderr is not a terminal. */
  progress(text: string): void;
  verbose(text: string): void;
}

export function terminalOut(verbose: boolean): Out {
  const tty = process.stderr.isTTY === true;
  let progressShown = false;
  const clear = () => {
    if (progressShown) process.stderr.write('\r\x1b[2K');
    progressShown = false;
  };
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => {
      clear();
      process.stderr.write(text);
    },
    progress: (text) => {
      if (!tty) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      progressShown = true;
    },
    verbose: (text) => {
      if (!verbose) return;
      clear();
      process.stderr.write(`${text}\n`);
    },
  };
}

/** Text safe to print: keys masked, control characters (ESC, CR, BEL…) replaced. */
export function safe(text: string): string {
  return scrubSecrets(text).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

/**
 * An API body for `--raw`, still JSON: keys masked, and every control character a terminal acts
 * on (C0 but newline and tab, DEL, C1 such as U+009B CSI, bidi overrides) replaced. Valid JSON
 * holds such characters raw only inside strings (C1) or as CR line ends, so the text stays JSON.
 */
export function safeRaw(text: string): string {
  return scrubSecrets(text).replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

/**
 * `$1.2345` (four decimals, thousands grouped); a non-zero amount under $0.0001 keeps two
 * significant digits (`$0.000042`, as util/money.ts does), never `$0.0000`; `unknown` for a
 * figure that is not known.
 */
export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'unknown';
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  if (abs > 0 && abs < 0.00005) return formatUsd(usd);
  const [whole, frac] = abs.toFixed(4).split('.');
  return `${sign}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** A spend that may miss requests of unknown cost: `≥ $X (N requests of unknown cost)`, else `$X`. */
export function spend(usd: number, uncosted: number | undefined): string {
  if (!uncosted) return money(usd);
  return `≥ ${money(usd)} (${int(uncosted)} ${uncosted === 1 ? 'request' : 'requests'} of unknown cost)`;
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${Math.round(x)} ms`);

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** An aligned table; `totals` is printed under a rule. */
export function table(columns: Column[], rows: string[][], totals?: string[]): string {
  const all = [columns.map((c) => c.header), ...rows, ...(totals ? [totals] : [])].map((r) => r.map(safe));
  const widths = columns.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r.map((cell, i) => {
      const pad = ' '.repeat(widths[i] - [...cell].length);
      return columns[i].align === 'right' ? pad + cell : cell + pad;
    }).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const body = all.slice(1, totals ? -1 : undefined).map(line);
  return [line(all[0]), rule, ...body, ...(totals ? [rule, line(all[all.length - 1])] : [])].join('\n') + '\n';
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? scrubSecrets(v) : v), 2)}\n`;
}

/** Terminal bars for a series (the seed's monthly trend). */
export function bars(points: { label: string; value: number; text: string }[], width = 40): string {
  const max = Math.max(0, ...points.map((p) => p.value));
  const labelWidth = Math.max(0, ...points.map((p) => p.label.length));
  const textWidth = Math.max(0, ...points.map((p) => p.text.length));
  return points.map((p) => {
    const n = max > 0 ? Math.round((p.value / max) * width) : 0;
    return `${safe(p.label).padEnd(labelWidth)}  ${p.text.padStart(textWidth)} ${'█'.repeat(n)}`.trimEnd();
  }).join('\n') + '\n';
}
