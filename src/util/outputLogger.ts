import type * as vscode from 'vscode';
import { scrubSecrets } from '../keys/mask';
import { mapLogger, type Logger } from './logger';

/** The one LogOutputChannel "OpenRouter Ledger", behind the vscode-free Logger seam; never writes a secret. */
export function createOutputLogger(channel: vscode.LogOutputChannel): Logger {
  return mapLogger(channel, scrubSecrets);
}
