/**
 * The logging seam for modules that must not import `vscode` (client, ledger, poller).
 * In the extension host it is backed by the "OpenRouter Ledger" LogOutputChannel; in tests by
 * a collecting logger. Every message passes through `scrubSecrets` before it is written.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger that passes every message through `map` first, at every level. */
export function mapLogger(target: Logger, map: (message: string) => string): Logger {
  return {
    trace: (m) => target.trace(map(m)),
    debug: (m) => target.debug(map(m)),
    info: (m) => target.info(map(m)),
    warn: (m) => target.warn(map(m)),
    error: (m) => target.error(map(m)),
  };
}

/**
 * A logger that never throws: VS Code's output channel throws "Channel has been closed" once it
 * is disposed, and logging during shutdown (a last request failing, the ledger closing) must not
 * turn into a crash of whatever was being logged. Such lines are dropped.
 */
export function safeLogger(target: Logger): Logger {
  const guard = (write: (m: string) => void) => (m: string) => {
    try {
      write(m);
    } catch {
      // The sink is gone; nothing is left to tell.
    }
  };
  return {
    trace: guard((m) => target.trace(m)),
    debug: guard((m) => target.debug(m)),
    info: guard((m) => target.info(m)),
    warn: guard((m) => target.warn(m)),
    error: guard((m) => target.error(m)),
  };
}

/** Prefixes every line with a component tag, e.g. `[poller] …`. */
export function tagged(logger: Logger, component: string): Logger {
  return mapLogger(logger, (m) => `[${component}] ${m}`);
}
