import * as vscode from 'vscode';
import { Container } from './container';
import { createOutputLogger } from './util/outputLogger';

/** Wires only: logging first, then the composition root, which owns everything else. */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('OpenRouter Ledger', { log: true });
  context.subscriptions.push(channel);
  const logger = createOutputLogger(channel);
  const container = new Container(context, channel, logger);
  context.subscriptions.push(container);
  container.start().catch((err: unknown) => logger.error(`start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
