/**
 * Runs ledgerWorker.ts as real child processes. The worker is bundled once with esbuild (as the
 * extension itself is), so a child starts in a fraction of the time `--import tsx` would take.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { WorkerConfig } from './ledgerWorker';

export async function buildWorker(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'ledgerWorker.js');
  await build({
    entryPoints: [path.join(__dirname, 'ledgerWorker.ts')],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent',
  });
  return outfile;
}

export interface RunningWorker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching, or rejects after `timeoutMs` / when the process ends without one. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function startWorker(script: string, config: WorkerConfig): RunningWorker {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((x) => x.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean).map((l) => `stderr ${l}`)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.slice(-10).join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(() => setTimeout(() => reject(new Error(`process ended without ${pattern}:\n${lines.slice(-10).join('\n')}`)), 50));
      });
    },
  };
}

/** The generation ids a worker reported as durably appended. */
export function acked(worker: RunningWorker): string[] {
  return worker.lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4));
}
