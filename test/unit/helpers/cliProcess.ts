/**
 * Runs the command line as a real child process: `src/cli/main.ts` bundled with esbuild exactly
 * as build.mjs bundles `dist/cli.js` (node, cjs, the `#!` banner), into a temp folder with
 * sql-wasm.wasm beside it, so tests never touch (or wait for) the shared `dist/`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '../../..');

export async function buildCli(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'cli.js');
  await build({
    entryPoints: [path.join(ROOT, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    outfile, logLevel: 'silent', banner: { js: '#!/usr/bin/env node' },
  });
  copyFileSync(path.join(ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(outDir, 'sql-wasm.wasm'));
  return outfile;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cli.js args…` with only the given environment (no keys leak in from the test's own). */
export function runCli(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: timeoutMs, maxBuffer: 64 << 20,
    }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}
