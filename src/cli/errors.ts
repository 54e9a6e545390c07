/** Exit codes of `openrouter-ledger` (README "Command line") and the error that carries one. */
export const EXIT = {
  ok: 0,
  /** A limit or alert tripped, a budget refused a call, the integrity check failed. */
  tripped: 1,
  /** Bad arguments or input: unknown flags, bad dates or ids, a missing key, a missing or damaged ledger, a rejected import file. */
  usage: 2,
  /** OpenRouter answered with an error or could not be reached. */
  api: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: ExitCode, readonly showUsage = false) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage, true);
