/**
 * `npm run simulator` — runs the local OpenRouter simulator until Ctrl+C.
 * Flags: --port <n>, --generation-delay-ms <n>, --https (self-signed certificate via openssl).
 * Prints the base URL and the demo keys (masked, and once in full: this is a local demo).
 */
import { keyLabel } from './ids';
import { selfSignedCertificate, startSimulator } from './index';
import { SimulatorOptions } from './types';

function parseArgs(argv: string[]): SimulatorOptions {
  const options: SimulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} needs a non-negative integer`);
      return n;
    };
    if (arg === '--port') options.port = value();
    else if (arg === '--generation-delay-ms') options.generationDelayMs = value();
    else if (arg === '--https') options.https = selfSignedCertificate();
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('Usage: npm run simulator -- [--port N] [--generation-delay-ms N] [--https]\n');
      process.exit(0);
    } else throw new Error(`Unknown flag: ${arg}`);
  }
  return options;
}

async function main(): Promise<void> {
  const sim = await startSimulator(parseArgs(process.argv.slice(2)));
  process.stdout.write(
    [
      `OpenRouter simulator listening on ${sim.origin}`,
      `  base URL:        ${sim.baseUrl}`,
      `  inference key:   ${keyLabel(sim.inferenceKey)}`,
      `  management key:  ${keyLabel(sim.managementKey)}`,
      '',
      'Full demo keys (local simulator only, printed once):',
      `  OPENROUTER_API_KEY=${sim.inferenceKey}`,
      `  OPENROUTER_MANAGEMENT_KEY=${sim.managementKey}`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
