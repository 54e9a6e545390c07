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

/** Prefixes every line with a component tag, e.g. `[poller] …`. */
export function tagged(logger: Logger, component: string): Logger {
  const tag = (m: string) => `[${component}] ${m}`;
  return {
    trace: (m) => logger.trace(tag(m)),
    debug: (m) => logger.debug(tag(m)),
    info: (m) => logger.info(tag(m)),
    warn: (m) => logger.warn(tag(m)),
    error: (m) => logger.error(tag(m)),
  };
}
