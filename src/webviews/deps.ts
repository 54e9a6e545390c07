/** What the webview hosts need from the rest of the extension (wired in container.ts). */
import type * as vscode from 'vscode';
import type { LedgerConfig } from '../config';
import type { Ledger } from '../ledger';
import type { ModelInfo } from '../openrouter/types';
import type { Logger } from '../util/logger';
import type { AccountAnalytics } from './dashboard/account';
import type { Balance } from './shared/forecast';
import type { KeyReading } from './shared/budgetPeriods';

export interface WebviewDeps {
  extensionUri: vscode.Uri;
  ledger: () => Promise<Ledger>;
  /** Ledger rows changed (this window or another one). */
  onLedgerChange: vscode.Event<void>;
  /** A credit reading landed (this window's poll or another window's). */
  onCreditChange: vscode.Event<void>;
  /** The freshest credit reading as a balance, or null before the first one. */
  balance: () => Balance | null;
  /** The last /key reading (OpenRouter's own day/month counters, which the budgets also count), or null. */
  keyReading: () => KeyReading;
  config: () => LedgerConfig;
  /** `/models` prices (cached for a day). */
  catalogue: () => Promise<readonly ModelInfo[]>;
  /** SHA-256 of the API key in use (OpenRouter's key hash, for its /activity rows), or null without a key. */
  keyHash: () => Promise<string | null>;
  /** OpenRouter's Analytics API with the management key, or null without one. */
  analytics: () => Promise<AccountAnalytics | null>;
  logger: Logger;
}

/** Coalesces bursts of change events into one refresh shortly after the first. */
export function debounced(fn: () => void, ms: number): { trigger: () => void; dispose: () => void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    trigger: () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    dispose: () => clearTimeout(timer),
  };
}
