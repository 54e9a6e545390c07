/**
 * `npm run demo`: the product working without an OpenRouter account or a cent spent. Builds the
 * VSIX if it is stale, starts the simulator with three weeks of history, installs the VSIX into
 * code-server (the E2E suite's tools, installed on first use by install-tools.sh) with `baseUrl`
 * pointing at the simulator and the demo keys in the environment, and prints the URL to open.
 * Ctrl-C stops everything it started and removes its temporary folders. E2E_VSIX=<file> demos another VSIX.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keyLabel } from '../simulator/ids';
import { startSimulator } from '../simulator';
import { installExtension, startCodeServer, type CodeServerDirs } from './harness/codeServer';
import { env, repoRoot } from './harness/paths';
import { ensureTools } from './harness/tools';
import { ensurePackagedVsix } from './harness/vsix';
import { seedDemo } from './demoData';

async function main(): Promise<void> {
  const tools = ensureTools();
  const vsix = process.env[env.vsix] ? path.resolve(process.env[env.vsix] as string) : ensurePackagedVsix();
  const sim = await startSimulator({ generationDelayMs: 800, streamChunkDelayMs: 30 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openrouter-ledger-demo-'));
  const dirs: CodeServerDirs = {
    root, userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions'), workspace: path.join(root, 'demo-workspace'),
  };
  let stopping = false;
  let server: Awaited<ReturnType<typeof startCodeServer>> | undefined;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      console.log('\n[demo] stopping code-server and the simulator…');
      await server?.process.stop().catch(() => undefined);
      await sim.close().catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
    fs.mkdirSync(dirs.workspace, { recursive: true });
    fs.mkdirSync(dirs.extensions, { recursive: true });
    fs.writeFileSync(path.join(dirs.workspace, 'README.md'), '# Demo workspace\n\nRun "OpenRouter: Chat" or open the OpenRouter view on the left.\n');
    fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({
      'openrouterLedger.baseUrl': sim.baseUrl,
      'openrouterLedger.pollIntervalSeconds': 30,
      'openrouterLedger.budget.monthly': 40,
      'openrouterLedger.budget.daily': 3,
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'chat.disableAIFeatures': true,
    }, null, 2));
    console.log(`[demo] installing ${path.relative(repoRoot, vsix)} into code-server`);
    installExtension(tools, dirs, vsix);
    const folder = fs.readdirSync(dirs.extensions).find((name) => /-\d+\.\d+\.\d+/.test(name)) ?? '';
    const globalStorage = path.join(dirs.userData, 'User', 'globalStorage', folder.replace(/-\d+\.\d+\.\d+.*$/, ''));
    fs.mkdirSync(globalStorage, { recursive: true });
    const seeded = await seedDemo(globalStorage, path.join(repoRoot, 'node_modules/sql.js/dist/sql-wasm.wasm'), sim, keyLabel(sim.inferenceKey));
    console.log(`[demo] ledger seeded with ${seeded.rows} requests over three weeks`);
    // The extension reads keys from the environment when none is stored; they are never saved.
    process.env.OPENROUTER_API_KEY = sim.inferenceKey;
    process.env.OPENROUTER_MANAGEMENT_KEY = sim.managementKey;
    server = await startCodeServer(tools, dirs);
    console.log([
      '',
      `  OpenRouter Ledger demo: open ${server.url}`,
      `  (simulator at ${sim.baseUrl}; demo keys ${keyLabel(sim.inferenceKey)} / ${keyLabel(sim.managementKey)})`,
      '  Try "OpenRouter: Open Spend Dashboard" and "OpenRouter: Chat" from the command palette (F1).',
      '  Press Ctrl-C to stop everything.',
      '',
    ].join('\n'));
  } catch (err) {
    console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

void main();
