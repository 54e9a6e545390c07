/**
 * Typed view of `contributes.configuration`, read in one place. Values are validated here so
 * every consumer gets a usable value plus the list of problems to tell the user about
 * (a bad setting never crashes a feature, and never silently means something else).
 */
import * as vscode from 'vscode';
import { validateBudgetSettings, type BudgetSettings } from './budget/policy';
import { compileUserPatterns } from './chat/redaction';
import type { StorePrompts } from './chat/auditedCall';
import { normalizeBaseUrl } from './openrouter/baseUrl';

/*
 * Setting scopes (package.json; test/unit/commands.test.ts walks the whole manifest). VS Code
 * itself drops a workspace or folder value of an `application`/`machine` setting (the Settings
 * editor says "can only be applied in user settings"), so plain `get()` below already honours
 * them; nothing here reads `inspect().workspaceValue`.
 * - application: baseUrl, requestTimeoutSeconds (where keys go; a tiny timeout aborts calls that
 *   are still billed), pollIntervalSeconds (one lease and one reading shared by every window),
 *   statusBar.* (a repository must not silence low-credit warnings), ledger.retentionDays
 *   (deletes history), chat.* (spends money: model, max_tokens, fallbacks), audit.* (what is sent
 *   as `user` and recorded), budget.* (a repository must not lift a limit).
 * - machine: network.extraCaCertificatesFile (a path on this machine; which servers are trusted).
 * - window: ledger.timeZone only — display of days; rows are stored and budgets counted in UTC.
 */
export const SECTION = 'openrouterLedger';
export const MIN_POLL_SECONDS = 30;

export interface LedgerConfig {
  baseUrl: string;
  pollIntervalSeconds: number;
  requestTimeoutSeconds: number;
  statusBar: { warnBelow: number; criticalBelow: number };
  network: { extraCaCertificatesFile: string };
  ledger: { retentionDays: number; timeZone: 'utc' | 'local' };
  chat: { defaultModel: string; maxTokens: number; fallbackModels: string[] };
  audit: { userId: string; tags: string[]; storePrompts: StorePrompts; redactionPatterns: string[] };
  budget: BudgetSettings;
}

export interface ConfigProblem {
  setting: string;
  /** A whole sentence for the user, naming the setting. */
  message: string;
}

type Get = <T>(key: string, fallback: T) => T;

function readNumber(get: Get, key: string, fallback: number, min: number, problems: ConfigProblem[]): number {
  const raw = get<unknown>(key, fallback);
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    problems.push({ setting: `${SECTION}.${key}`, message: vscode.l10n.t('Setting {0} must be a number; using {1}.', `${SECTION}.${key}`, String(fallback)) });
    return fallback;
  }
  if (raw < min) {
    problems.push({ setting: `${SECTION}.${key}`, message: vscode.l10n.t('Setting {0} must be at least {1}; using {1}.', `${SECTION}.${key}`, String(min)) });
    return min;
  }
  return raw;
}

export function readConfig(): { config: LedgerConfig; problems: ConfigProblem[] } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const get: Get = (key, fallback) => c.get(key, fallback);
  const problems: ConfigProblem[] = [];

  const base = normalizeBaseUrl(c.get('baseUrl'), vscode.l10n.t, `${SECTION}.baseUrl`);
  if (base.problem) problems.push({ setting: `${SECTION}.baseUrl`, message: base.problem });
  const warnBelow = readNumber(get, 'statusBar.warnBelow', 5, 0, problems);
  let criticalBelow = readNumber(get, 'statusBar.criticalBelow', 1, 0, problems);
  if (criticalBelow > warnBelow) {
    problems.push({
      setting: `${SECTION}.statusBar.criticalBelow`,
      message: vscode.l10n.t('Setting {0} is above warnBelow ({1}); using {1}.', `${SECTION}.statusBar.criticalBelow`, String(warnBelow)),
    });
    criticalBelow = warnBelow;
  }
  const timeZone = c.get<string>('ledger.timeZone', 'utc');
  const budget = validateBudgetSettings(
    {
      daily: c.get('budget.daily'),
      monthly: c.get('budget.monthly'),
      perRequest: c.get('budget.perRequest'),
      mode: c.get('budget.mode'),
    },
    `${SECTION}.budget`,
    vscode.l10n.t,
  );
  for (const message of budget.problems) problems.push({ setting: `${SECTION}.budget`, message });
  const redactionPatterns = stringList(c.get('audit.redactionPatterns'));
  for (const message of compileUserPatterns(redactionPatterns, vscode.l10n.t).problems) {
    problems.push({ setting: `${SECTION}.audit.redactionPatterns`, message });
  }
  const storePrompts = c.get<string>('audit.storePrompts', 'none');
  return {
    config: {
      baseUrl: base.url,
      pollIntervalSeconds: readNumber(get, 'pollIntervalSeconds', 300, MIN_POLL_SECONDS, problems),
      requestTimeoutSeconds: readNumber(get, 'requestTimeoutSeconds', 30, 1, problems),
      statusBar: { warnBelow, criticalBelow },
      network: { extraCaCertificatesFile: String(c.get('network.extraCaCertificatesFile', '') ?? '') },
      ledger: {
        retentionDays: Math.floor(readNumber(get, 'ledger.retentionDays', 0, 0, problems)),
        timeZone: timeZone === 'local' ? 'local' : 'utc',
      },
      chat: {
        defaultModel: String(c.get('chat.defaultModel', 'openai/gpt-4o-mini') || 'openai/gpt-4o-mini').trim(),
        maxTokens: Math.floor(readNumber(get, 'chat.maxTokens', 1024, 1, problems)),
        fallbackModels: stringList(c.get('chat.fallbackModels')),
      },
      audit: {
        userId: String(c.get('audit.userId', '') ?? '').trim(),
        tags: stringList(c.get('audit.tags')),
        storePrompts: storePrompts === 'redacted' || storePrompts === 'full' ? storePrompts : 'none',
        redactionPatterns,
      },
      budget: budget.settings,
    },
    problems,
  };
}

function stringList(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}

/** True when the change touches any of the given keys (relative to the section). */
export function affects(e: vscode.ConfigurationChangeEvent, ...keys: string[]): boolean {
  return keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}
