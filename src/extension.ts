import * as vscode from 'vscode';
import { Container } from './container';
import { createOutputLogger } from './util/outputLogger';

/** Set while active, so deactivate() can flush the ledger (VS Code awaits its promise). */
let container: Container | undefined;

/** Wires only: logging first, then the composition root, which owns everything else. */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('OpenRouter Ledger', { log: true });
  context.subscriptions.push(channel);
  const logger = createOutputLogger(channel);
  container = new Container(context, channel, logger);
  context.subscriptions.push(container);
  container.start().catch((err: unknown) => logger.error(`start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
}

export async function deactivate(): Promise<void> {
  await container?.shutdown();
  container = undefined;
}
