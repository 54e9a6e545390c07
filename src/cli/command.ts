/** The shape of one command: its usage line, its own options, and what it does. */
import type { OptionSpec, Values } from './args';
import type { CliContext } from './context';
import type { ExitCode } from './errors';

export interface Command {
  name: string;
  /** One line: `stats [--today | …]` (printed with usage errors and --help). */
  usage: string;
  options: OptionSpec;
  /** How many positional arguments it takes. */
  positionals?: number;
  run(ctx: CliContext, values: Values, positionals: string[]): Promise<ExitCode>;
}
