/**
 * Text of the credit status-bar item and its Markdown tooltip, as pure functions of the shared
 * credit state (unit-tested without VS Code; the caller passes its l10n function).
 */
import { currentPeriodUsage } from '../budget/policy';
import type { SharedCreditState } from '../poller/creditState';
import { computeSpendable, levelFor, type Level, type Spendable } from '../poller/spendable';
import { plainTranslate, type Translate } from '../util/l10n';
import { formatUsd } from '../util/money';
import { CommandIds } from '../commands/ids';

/** The tooltip's link to the Spend Dashboard; the status bar trusts exactly this command. */
export const DASHBOARD_COMMAND = CommandIds.openDashboard;

export interface CreditView {
  text: string;
  tooltipMarkdown: string;
  level: Level;
  stale: boolean;
  spendable: Spendable | null;
}

/** This window's ledger for the current UTC day: what went through the extension. */
export interface ViaExtensionToday {
  requests: number;
  /** Known costs only; `uncosted` requests may add to it. */
  cost: number;
  uncosted: number;
}

export interface CreditViewInput {
  state: SharedCreditState;
  hasKey: boolean;
  keySource: 'secret-storage' | 'environment' | undefined;
  thresholds: { warnBelow: number; criticalBelow: number };
  intervalMs: number;
  now: number;
  /** Requests and cost this extension recorded today (from the ledger), when known. */
  viaExtensionToday: ViaExtensionToday | null;
}

export function relativeAge(ms: number, t: Translate): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 45) return t('just now');
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? t('1 minute ago') : t('{0} minutes ago', m);
  const h = Math.round(m / 60);
  if (h < 24) return h === 1 ? t('1 hour ago') : t('{0} hours ago', h);
  const d = Math.round(h / 24);
  return d === 1 ? t('1 day ago') : t('{0} days ago', d);
}

/** `$(name)` / `$(name~modifier)`: what VS Code draws as an icon in a Markdown string with theme icons on. */
const THEME_ICON = /\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/g;

/**
 * Markdown-escapes text that comes from outside (key labels, error messages). The tooltip renders
 * theme icons, so `$(…)` is escaped too, as VS Code's own `appendText` does: a backslash before the
 * `$` (itself escaped for Markdown) leaves `\$(…)` after parsing, which is drawn as plain text.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(THEME_ICON, (icon) => `\\${icon}`).replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`);
}

const money = (n: number | null | undefined) => (n === null || n === undefined ? '—' : formatUsd(n));

export function buildCreditView(input: CreditViewInput, t: Translate = plainTranslate): CreditView {
  const { state, now } = input;
  const reading = state.reading;
  if (!input.hasKey) {
    return {
      text: `$(key) ${t('OpenRouter: set key')}`,
      tooltipMarkdown: t('No OpenRouter API key is set. Click to set one (stored in VS Code secret storage only).'),
      level: 'ok',
      stale: false,
      spendable: null,
    };
  }
  if (!reading) {
    const error = state.lastError;
    return {
      text: error ? `$(error) OpenRouter` : `$(sync~spin) OpenRouter`,
      tooltipMarkdown: error
        ? `**${t('OpenRouter credits unavailable')}**\n\n${escapeMarkdown(error.message)}\n\n${t('Click to retry.')}`
        : t('Reading credits from OpenRouter…'),
      level: 'ok',
      stale: false,
      spendable: null,
    };
  }

  const spendable = computeSpendable(reading.key, reading.credits);
  const usage = currentPeriodUsage(reading.key, reading.fetchedAt, new Date(now));
  const level = levelFor(spendable.amount, input.thresholds);
  const failedSinceReading = !!state.lastError && state.lastError.at >= reading.fetchedAt;
  const stale = failedSinceReading || now - reading.fetchedAt > 2 * input.intervalMs;
  const staleMark = stale ? '$(history) ' : '';
  const text =
    spendable.amount === null
      ? `$(credit-card) ${staleMark}${t('{0} today · no limit', money(usage.daily))}`
      : `$(credit-card) ${staleMark}${money(spendable.amount)}`;

  const key = reading.key;
  const lines: string[] = [];
  lines.push(
    spendable.amount === null
      ? `**${t('OpenRouter — no spending limit')}**`
      : `**${t('OpenRouter — {0} spendable now', money(spendable.amount))}**`,
  );
  lines.push('');
  lines.push(`| | |`);
  lines.push(`|---|---|`);
  if (reading.credits && !spendable.creditsDiscarded) {
    lines.push(
      `| ${t('Account credits')} | ${t('{0} purchased · {1} used · {2} left', money(reading.credits.totalCredits), money(reading.credits.totalUsage), money(spendable.creditsRemaining))} |`,
    );
  } else {
    const note = spendable.creditsDiscarded ? t('not readable with this key') : (reading.creditsNote ?? t('unknown'));
    lines.push(`| ${t('Account credits')} | ${escapeMarkdown(note)} |`);
  }
  const source = input.keySource === 'environment' ? ` (${t('from environment')})` : '';
  lines.push(`| ${t('Key')} | ${escapeMarkdown(key.label)}${source} |`);
  if (key.limit !== null) {
    const reset = key.limitReset ? t('resets {0}', key.limitReset) : t('never resets');
    lines.push(`| ${t('Key limit')} | ${t('{0} ({1}) · {2} remaining', money(key.limit), reset, money(spendable.keyLimitRemaining))} |`);
  } else {
    lines.push(`| ${t('Key limit')} | ${t('none')} |`);
  }
  lines.push(
    `| ${t('Usage')} | ${t('today {0} · week {1} · month {2}', money(usage.daily), money(usage.weekly), money(usage.monthly))} |`,
  );
  if ((key.byokUsage ?? 0) > 0 || (key.byokUsageMonthly ?? 0) > 0) {
    lines.push(
      `| ${t('BYOK usage')} | ${t('today {0} · week {1} · month {2}', money(key.byokUsageDaily), money(key.byokUsageWeekly), money(key.byokUsageMonthly))} |`,
    );
  }
  if (input.viaExtensionToday) {
    const { requests, cost, uncosted } = input.viaExtensionToday;
    const spent = uncosted > 0 ? t('≥ {0} ({1} of unknown cost)', money(cost), uncosted) : money(cost);
    lines.push(`| ${t('Today (UTC) via this extension')} | ${t('{0} requests · {1}', requests, spent)} |`);
  }
  lines.push('');
  const boundText: Record<Spendable['binding'], string> = {
    credits: t('Bound by: account credits'),
    'key-limit': t('Bound by: this key’s limit'),
    none: t('Bound by: nothing (no credit figure and no key limit)'),
  };
  lines.push(boundText[spendable.binding]);
  lines.push('');
  lines.push(t('Updated {0}', relativeAge(now - reading.fetchedAt, t)));
  if (failedSinceReading && state.lastError) {
    lines.push('');
    lines.push(
      `$(warning) ${t('Stale: the last refresh failed {0}: {1}', relativeAge(now - state.lastError.at, t), escapeMarkdown(state.lastError.message))}`,
    );
  } else if (stale) {
    lines.push('');
    lines.push(`$(warning) ${t('Stale: last updated {0}', relativeAge(now - reading.fetchedAt, t))}`);
  }
  lines.push('');
  lines.push(`[$(graph) ${t('Open Spend Dashboard')}](command:${DASHBOARD_COMMAND})`);
  return { text, tooltipMarkdown: lines.join('\n'), level, stale, spendable };
}
