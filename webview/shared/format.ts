/** Number formatting shared by the webviews; money through the extension's one formatter. */
import { formatUsd } from '../../src/util/money';

export function usd(amount: number | null | undefined, unknown: string): string {
  return amount === null || amount === undefined || !Number.isFinite(amount) ? unknown : formatUsd(amount);
}

export function count(n: number | null | undefined, unknown: string): string {
  return n === null || n === undefined || !Number.isFinite(n) ? unknown : Math.round(n).toLocaleString('en-US');
}

export function percent(fraction: number | null | undefined, unknown: string): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return unknown;
  const p = fraction * 100;
  return `${Math.abs(p) < 10 && p !== 0 ? p.toFixed(1) : p.toFixed(0)}%`;
}

export function ms(n: number | null | undefined, unknown: string): string {
  return n === null || n === undefined || !Number.isFinite(n) ? unknown : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

/** `{0}`-style placeholders, as vscode.l10n.t on the host. */
export function fill(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}
