/**
 * `npm run test:e2e`: installs the tools if needed (install-tools.sh), packages the extension if its VSIX
 * is missing or stale, then runs every test/e2e/**\/*.e2e.ts file with node's test runner, one at a time,
 * each driving the installed extension in code-server + Chromium. Afterwards it reaps any process a
 * crashed suite left behind and fails the run if any artifact holds a full OpenRouter key.
 *
 * Arguments: e2e files to run instead of all of them; anything starting with `--` goes to `node --test`
 * (e.g. --test-name-pattern=colour). Environment: E2E_TOOLS_DIR (tools folder, default .tools/),
 * E2E_VSIX (a VSIX to test instead of the packaged one).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { artifactsRoot, env, repoRoot } from './harness/paths';
import { reapRecordedGroups, signalGroup } from './harness/processes';
import { describeLeaks, findAnyFullKey } from './harness/secretScan';
import { ensureTools } from './harness/tools';
import { ensurePackagedVsix } from './harness/vsix';

/** The whole run is bounded: a hung workbench must not eat CI's time budget. */
const RUN_TIMEOUT_MS = 25 * 60_000;
const PER_TEST_TIMEOUT_MS = 3 * 60_000;

async function main(): Promise<number> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--')).map((f) => path.resolve(f));
  const runnerFlags = args.filter((a) => a.startsWith('--'));
  const suites = files.length > 0 ? files : discoverSuites(path.join(repoRoot, 'test', 'e2e'));
  if (suites.length === 0) {
    console.error('[e2e] no *.e2e.ts files found');
    return 1;
  }

  const tools = ensureTools();
  const vsix = process.env[env.vsix] ? path.resolve(process.env[env.vsix] as string) : ensurePackagedVsix();
  const toolsReady = Date.now();
  console.log(`[e2e] tools ${tools.dir}; extension ${path.relative(repoRoot, vsix) || vsix}; ${suites.length} suite file(s)`);

  fs.rmSync(artifactsRoot, { recursive: true, force: true });
  fs.mkdirSync(artifactsRoot, { recursive: true });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-run-'));

  const testArgs = [
    '--import', 'tsx',
    '--test', '--test-concurrency=1', `--test-timeout=${PER_TEST_TIMEOUT_MS}`,
    '--test-reporter=spec',
    ...runnerFlags,
    ...suites,
  ];
  const child = spawn(process.execPath, testArgs, {
    cwd: repoRoot,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, [env.toolsDir]: tools.dir, [env.vsix]: vsix, [env.runDir]: runDir },
  });
  const stopChild = (): void => {
    if (child.pid) signalGroup(child.pid, 'SIGTERM');
  };
  process.on('SIGINT', stopChild);
  process.on('SIGTERM', stopChild);
  const watchdog = setTimeout(() => {
    console.error(`[e2e] run exceeded ${RUN_TIMEOUT_MS / 60_000} min: stopping it`);
    stopChild();
  }, RUN_TIMEOUT_MS);
  const testExit = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  clearTimeout(watchdog);
  if (child.pid) signalGroup(child.pid, 'SIGKILL');

  let failed = testExit !== 0;
  const leftovers = reapRecordedGroups(runDir);
  fs.rmSync(runDir, { recursive: true, force: true });
  if (leftovers > 0) {
    console.error(`[e2e] FAIL: ${leftovers} process group(s) (code-server or chromium) outlived their suite; killed them`);
    failed = true;
  }
  const leaks = findAnyFullKey([artifactsRoot]);
  if (leaks.length > 0) {
    console.error(`[e2e] FAIL: full API keys found in test artifacts:\n${describeLeaks(leaks)}`);
    failed = true;
  }
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;
  console.log(`[e2e] ${failed ? 'FAILED' : 'ok'}: setup ${seconds(toolsReady - started)}, suites ${seconds(Date.now() - toolsReady)}; artifacts in ${path.relative(repoRoot, artifactsRoot)}/`);
  return failed ? 1 : 0;
}

function discoverSuites(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((rel) => rel.endsWith('.e2e.ts'))
    .sort()
    .map((rel) => path.join(dir, rel));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
