/**
 * `openrouter-ledger`: the extension's ledger and OpenRouter client from a terminal (README
 * "Command line"). `main` parses the command line, runs one command, and maps every outcome to
 * an exit code: 0 ok, 1 a limit or check tripped, 2 usage or input error (with the usage
 * line), 3 OpenRouter error (with the client's sentence).
 */
import { isOpenRouterError } from '../openrouter/errors';
import { describeError } from '../util/errors';
import { parse } from './args';
import type { Command } from './command';
import { CliContext, KEY_ENV } from './context';
import { CliError, EXIT, type ExitCode } from './errors';
import { safe, terminalOut, type Out } from './output';

/**
 * Every command with its one-line summary; its module is loaded only when it runs, so a quick
 * `stats` does not pay for evaluating the chat, budget and management code.
 */
export const COMMANDS: { name: string; summary: string; load(): Promise<Command> }[] = [
  { name: 'stats', summary: 'requests, tokens, cost, share, error rate and latency per group', load: async () => (await import('./commands/stats')).statsCommand },
  { name: 'query', summary: "the ledger's row for a generation id (or row uid)", load: async () => (await import('./commands/lookup')).queryCommand },
  { name: 'generation', summary: "OpenRouter's /generation record, beside the ledger's row", load: async () => (await import('./commands/lookup')).generationCommand },
  { name: 'alert', summary: 'exit 1 when spend is over a limit or credits are below a minimum', load: async () => (await import('./commands/alert')).alertCommand },
  { name: 'call', summary: 'an audited chat completion, recorded in the ledger', load: async () => (await import('./commands/call')).callCommand },
  { name: 'export', summary: "the ledger's requests as CSV, JSON, JSON Lines or a Markdown report", load: async () => (await import('./commands/transfer')).exportCommand },
  { name: 'report', summary: 'a Markdown report (summary, by model, daily) for a date range', load: async () => (await import('./commands/transfer')).reportCommand },
  { name: 'import', summary: "import the cost tracker's usage.jsonl or the audit logger's SQLite file", load: async () => (await import('./commands/transfer')).importCommand },
  { name: 'clean', summary: 'delete ledger rows dated before a day (asks first)', load: async () => (await import('./commands/clean')).cleanCommand },
  { name: 'activity', summary: "OpenRouter's daily activity per model (management key); kept in the ledger", load: async () => (await import('./commands/management')).activityCommand },
  { name: 'credits', summary: 'account credits purchased, used and left', load: async () => (await import('./commands/management')).creditsCommand },
  { name: 'keys', summary: "the account's API keys with limits and spend (management key)", load: async () => (await import('./commands/management')).keysCommand },
  { name: 'verify', summary: 'check the hash chain; exit 1 when a row was altered, removed or added', load: async () => (await import('./commands/verify')).verifyCommand },
];

const GLOBAL_USAGE = '[--ledger DIR] [--json] [--verbose] [--base-url URL] [--timeout SECONDS] [--retries N]';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Usage: openrouter-ledger <command> [options] ${GLOBAL_USAGE}`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Ledger folder: --ledger DIR, else OPENROUTER_LEDGER_DIR, else the extension\'s VS Code storage folder.',
    'Keys: OPENROUTER_API_KEY, OPENROUTER_MANAGEMENT_KEY (read from the environment, never stored).',
    'Exit codes: 0 ok, 1 limit or check tripped, 2 usage or input error, 3 OpenRouter error.',
    "Run 'openrouter-ledger <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[], out: Out = terminalOut(argv.includes('--verbose') || argv.includes('-v')), env = process.env): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    out.stderr(`openrouter-ledger: unknown command "${safe(name.slice(0, 40))}".\n${help()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  let ctx: CliContext | undefined;
  try {
    const { values, positionals } = parse(rest, command.options, command.positionals ?? 0);
    if (values.help) {
      out.stdout(`Usage: openrouter-ledger ${command.usage} ${GLOBAL_USAGE}\n${entry.summary}.\n`);
      return EXIT.ok;
    }
    ctx = new CliContext(values, out, env);
    return await command.run(ctx, values, positionals);
  } catch (err) {
    if (err instanceof CliError) {
      out.stderr(`openrouter-ledger ${command.name}: ${safe(err.message)}\n`);
      if (err.showUsage) out.stderr(`Usage: openrouter-ledger ${command.usage} ${GLOBAL_USAGE}\n`);
      return err.exitCode;
    }
    if (isOpenRouterError(err) && err.kind === 'missing-key') {
      const kind = err.keyKind ?? 'inference';
      out.stderr(`openrouter-ledger ${command.name}: this needs ${kind === 'management' ? 'a management key' : 'an API key'}: set ${KEY_ENV[kind]}.\n`);
      return EXIT.usage;
    }
    if (isOpenRouterError(err)) {
      out.stderr(`openrouter-ledger ${command.name}: ${safe(describeError(err))}\n`);
      return EXIT.api;
    }
    out.stderr(`openrouter-ledger ${command.name}: ${safe(describeError(err))}\n`);
    out.verbose(err instanceof Error && err.stack ? err.stack : String(err));
    return EXIT.usage;
  } finally {
    await ctx?.close().catch((err: unknown) => out.stderr(`openrouter-ledger: closing failed: ${describeError(err)}\n`));
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
