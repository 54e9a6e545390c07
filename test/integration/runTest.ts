/**
 * Runs the mocha suite inside a real VS Code extension host via @vscode/test-electron.
 * It downloads VS Code, so it runs only where that is possible (not on our offline build
 * machines, where CI uses the code-server E2E suite instead). The simulator is started here and
 * its URL and keys handed to the extension host through the environment.
 */
import * as path from 'node:path';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runTests } from '@vscode/test-electron';
import { startSimulator } from '../simulator';

async function main(): Promise<void> {
  const simulator = await startSimulator({ generationDelayMs: 200 });
  const userData = mkdtempSync(path.join(tmpdir(), 'orl-integration-'));
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ 'openrouterLedger.baseUrl': simulator.baseUrl, 'openrouterLedger.pollIntervalSeconds': 30 }),
  );
  try {
    await runTests({
      extensionDevelopmentPath: path.resolve(__dirname, '../../..'),
      extensionTestsPath: path.resolve(__dirname, 'suite/index'),
      launchArgs: ['--disable-extensions', '--use-inmemory-secretstorage', `--user-data-dir=${userData}`],
      extensionTestsEnv: {
        OPENROUTER_API_KEY: simulator.inferenceKey,
        OPENROUTER_MANAGEMENT_KEY: simulator.managementKey,
        ORL_USER_DATA: userData,
      },
    });
  } finally {
    await simulator.close();
    rmSync(userData, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
