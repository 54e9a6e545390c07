import * as vscode from 'vscode';
import { Container } from './container';
import { createOutputLogger } from './util/outputLogger';

/** Set while active, so deactivate() can flush the ledger (VS Code awaits its promise). */
let container: Container | undefined;
let channel: vscode.LogOutputChannel | undefined;

/**
 * Wires only: logging first, then the composition root, which owns everything else. Neither is
 * in `context.subscriptions`: VS Code disposes those right after calling deactivate() without
 * awaiting it, which would tear the container down while its shutdown still records calls.
 */
export function activate(context: vscode.ExtensionContext): void {
  channel = vscode.window.createOutputChannel('OpenRouter Ledger', { log: true });
  const logger = createOutputLogger(channel);
  container = new Container(context, channel, logger);
  container.start().catch((err: unknown) => logger.error(`start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
}

/** Aborts and records the calls in flight, flushes the ledger, then disposes (the log stays open until the end). */
export async function deactivate(): Promise<void> {
  const [c, log] = [container, channel];
  container = channel = undefined;
  try {
    await c?.shutdown();
  } finally {
    c?.dispose();
    log?.dispose();
  }
}
