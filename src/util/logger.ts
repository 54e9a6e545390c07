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

/** Prefixes every line with a component tag, e.g. `[poller] …`. */
export function tagged(logger: Logger, component: string): Logger {
  return mapLogger(logger, (m) => `[${component}] ${m}`);
}
