import * as vscode from 'vscode';
import { scrubSecrets } from '../keys/mask';
import type { Logger } from './logger';

/** The one LogOutputChannel "OpenRouter Ledger", behind the vscode-free Logger seam; never writes a secret. */
export function createOutputLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (m) => channel.trace(scrubSecrets(m)),
    debug: (m) => channel.debug(scrubSecrets(m)),
    info: (m) => channel.info(scrubSecrets(m)),
    warn: (m) => channel.warn(scrubSecrets(m)),
    error: (m) => channel.error(scrubSecrets(m)),
  };
}
