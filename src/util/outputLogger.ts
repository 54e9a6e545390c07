import type * as vscode from 'vscode';
import { scrubSecrets } from '../keys/mask';
import { mapLogger, safeLogger, type Logger } from './logger';

/** The one LogOutputChannel "OpenRouter Ledger", behind the vscode-free Logger seam; never writes a secret, never throws once the channel is closed. */
export function createOutputLogger(channel: vscode.LogOutputChannel): Logger {
  return safeLogger(mapLogger(channel, scrubSecrets));
}
