/**
 * CLI benchmark: `npm run bench:cli [-- --sizes 10000,100000,1000000] [--runs 3] [--only stats] [--node PATH]`.
 *
 * Whole processes, start to exit, as a user runs them: `stats --all --by model --json` (the
 * issue's target), `stats --month`, `alert` and `export --format jsonl --output FILE` of the
 * bundled command line, on ledgers of each size.
 * Ledgers are built once by bench/ledger.bench.ts `--build` (one year, 20 models) into
 * `~/.cache/openrouter-ledger/bench-ledgers/v<schema>-<size>` and reused. Wall time and peak RSS come from
 * `/usr/bin/time -v` (the child's own maximum resident set). Prints JSON.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { SCHEMA_VERSION } from '../src/ledger/schema';

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(os.homedir(), '.cache', 'openrouter-ledger', 'bench-ledgers');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function bundle(dir: string): string {
  const outfile = path.join(dir, 'cli.js');
  // As build.mjs builds dist/cli.js, with undici left out of the bundle (dist/ has it as undici.js; here
  // node_modules serves it): the CLI loads it only for commands that reach OpenRouter.
  buildSync({ entryPoints: [path.join(ROOT, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent', minify: true, external: ['undici'] });
  copyFileSync(path.join(ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  return outfile;
}

function ledger(size: number): string {
  // Keyed by schema version: a ledger of an older schema would send every command down the full-load path.
  const dir = path.join(CACHE, `v${SCHEMA_VERSION}-${size}`);
  if (existsSync(path.join(dir, 'ledger.sqlite'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/ledger.bench.ts'), '--build', String(size), '--dir', dir, '--end', String(Date.now())], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`building the ${size}-row ledger failed:\n${run.stderr}`);
  return dir;
}

/** One whole process under /usr/bin/time -v: wall ms (start to exit, measured here) and the child's peak RSS in MB. */
function measure(node: string, args: string[]): { wallMs: number; cpuMs: number; peakRssMB: number; exit: number | null } {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-v', node, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = Math.round(performance.now() - started);
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(run.stderr)?.[1]);
  // CPU time (user + system) says what the process itself cost; wall time also holds waiting for a core on a busy machine.
  const cpuMs = Math.round((field('User time \\(seconds\\)') + field('System time \\(seconds\\)')) * 1000);
  return { wallMs, cpuMs, peakRssMB: Math.round(field('Maximum resident set size \\(kbytes\\)') / 1024), exit: run.status };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const sizes = arg('sizes', '10000,100000,1000000').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const node = arg('node', process.execPath);
  /** `stats` skips the export runs (the heavy part at 1M rows). */
  const only = arg('only', 'all');
  const work = path.join(os.tmpdir(), `cli-bench-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const cli = bundle(work);
    const results = sizes.map((size) => {
      const dir = ledger(size);
      const stats = Array.from({ length: runs }, () => measure(node, [cli, 'stats', '--all', '--by', 'model', '--json', '--ledger', dir]));
      const month = Array.from({ length: runs }, () => measure(node, [cli, 'stats', '--month', '--by', 'model', '--json', '--ledger', dir]));
      const alert = Array.from({ length: runs }, () => measure(node, [cli, 'alert', '--daily-limit', '1000000', '--monthly-limit', '1000000', '--json', '--ledger', dir]));
      const baseline = Array.from({ length: runs }, () => measure(node, ['-e', '0']));
      const summary = (ms: ReturnType<typeof measure>[]) => ({
        wallMsMedian: median(ms.map((m) => m.wallMs)), cpuMsMedian: median(ms.map((m) => m.cpuMs)), peakRssMBMax: Math.max(...ms.map((m) => m.peakRssMB)),
      });
      const out = path.join(work, `export-${size}.jsonl`);
      const exp = only === 'stats' ? undefined : measure(node, [cli, 'export', '--format', 'jsonl', '--output', out, '--ledger', dir]);
      const exportBytes = existsSync(out) ? statSync(out).size : 0;
      rmSync(out, { force: true });
      return {
        size, fileMB: Math.round(statSync(path.join(dir, 'ledger.sqlite')).size / 1048576),
        statsAllByModel: {
          wallMsMedian: median(stats.map((s) => s.wallMs)), cpuMsMedian: median(stats.map((s) => s.cpuMs)),
          peakRssMBMax: Math.max(...stats.map((s) => s.peakRssMB)), runs: stats,
        },
        statsMonthByModel: summary(month),
        /** Ledger only (no key in the bench's environment): today's and this month's spend against limits. */
        alertLedgerOnly: summary(alert),
        /** `node -e 0` measured the same way, interleaved: what the machine's load alone costs a process. */
        emptyNodeProcess: { wallMsMedian: median(baseline.map((s) => s.wallMs)), cpuMsMedian: median(baseline.map((s) => s.cpuMs)), peakRssMB: baseline[0].peakRssMB },
        ...(exp ? { exportJsonl: { ...exp, outputMB: Math.round(exportBytes / 1048576) } } : {}),
      };
    });
    const seed = { wallMs: 4900, peakRssMB: 1070 };
    const largest = results[results.length - 1];
    process.stdout.write(`${JSON.stringify({
      node: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(), cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), results,
      versusSeedAt1M: largest.size === 1_000_000 ? {
        speedup: Math.round((seed.wallMs / largest.statsAllByModel.wallMsMedian) * 10) / 10,
        speedupByCpuTime: Math.round((seed.wallMs / largest.statsAllByModel.cpuMsMedian) * 10) / 10,
        memoryFraction: Math.round((largest.statsAllByModel.peakRssMBMax / seed.peakRssMB) * 1000) / 1000,
        targets: { speedupAtLeast: 20, memoryFractionAtMost: 0.25 },
      } : undefined,
    }, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
