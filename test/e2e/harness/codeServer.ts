/** code-server (VS Code 1.139's real workbench and extension host) started the way a user would run it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startProcessGroup, type ManagedProcess } from './processes';
import type { Tools } from './tools';

export interface CodeServerDirs {
  /** Parent of everything below; also holds code-server's own config and XDG folders. */
  readonly root: string;
  readonly userData: string;
  readonly extensions: string;
  readonly workspace: string;
}

export interface RunningCodeServer {
  readonly url: string;
  readonly process: ManagedProcess;
}

const START_ATTEMPTS = 3;
const LISTEN_TIMEOUT_MS = 60_000;

/** `code-server --install-extension`: the same path a user takes with a downloaded VSIX. */
export function installExtension(tools: Tools, dirs: CodeServerDirs, vsix: string): void {
  const result = spawnSync(tools.node, [tools.codeServerEntry, ...commonArgs(dirs), '--install-extension', vsix], {
    env: serverEnv(dirs),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${path.basename(vsix)} failed (exit ${result.status ?? result.signal}):\n${output}`);
  }
}

/** Starts code-server on a free port and resolves once it serves HTTP. */
export async function startCodeServer(tools: Tools, dirs: CodeServerDirs): Promise<RunningCodeServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const server = startProcessGroup(
      tools.node,
      [
        tools.codeServerEntry,
        ...commonArgs(dirs),
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        dirs.workspace,
      ],
      { env: serverEnv(dirs), cwd: dirs.root },
    );
    try {
      await server.waitForOutput(/HTTP server listening on/, LISTEN_TIMEOUT_MS);
      return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`, process: server };
    } catch (error) {
      // A port grabbed by someone else between freePort() and listen() makes code-server exit: try another.
      lastError = error;
      await server.stop();
    }
  }
  throw lastError;
}

function commonArgs(dirs: CodeServerDirs): string[] {
  return ['--config', path.join(dirs.root, 'code-server.yaml'), '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

/** The caller's environment minus what would leak into the server (npm's config, an outer VS Code). */
function serverEnv(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|VSCODE_|ELECTRON_|NODE_OPTIONS$)/i.test(name)) continue;
    clean[name] = value;
  }
  const xdg = path.join(dirs.root, 'xdg');
  for (const sub of ['config', 'data', 'cache']) fs.mkdirSync(path.join(xdg, sub), { recursive: true });
  return {
    ...clean,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
