/**
 * Where the extension keeps its ledger: `<user data dir>/User/globalStorage/<publisher>.<name>`,
 * the folder VS Code hands the extension as `globalStorageUri`. The user data dir differs per
 * product (VS Code, Insiders, VSCodium, code-server, VS Code's remote server) and platform; the
 * command line looks at each default and takes the first that holds a ledger.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `publisher.name` from package.json, lower-cased as VS Code names the folder. */
export const EXTENSION_ID = 'openrouter-ledger.openrouter-ledger';

export interface Candidate {
  product: string;
  dir: string;
}

type Env = Record<string, string | undefined>;

/** The default user data dirs of every product on this platform, most common first. */
export function userDataDirs(platform: NodeJS.Platform = process.platform, env: Env = process.env, home = os.homedir()): Candidate[] {
  const desktop = (name: string) => {
    if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), name);
    if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', name);
    return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), name);
  };
  const codeServer =
    platform === 'win32' ? path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'code-server', 'Data')
      : platform === 'darwin' ? path.join(home, 'Library', 'Application Support', 'code-server')
        : path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'code-server');
  return [
    { product: 'VS Code', dir: desktop('Code') },
    { product: 'VS Code Insiders', dir: desktop('Code - Insiders') },
    { product: 'VSCodium', dir: desktop('VSCodium') },
    { product: 'code-server', dir: codeServer },
    { product: 'VS Code Server (remote)', dir: path.join(home, '.vscode-server', 'data') },
    { product: 'VS Code Insiders Server (remote)', dir: path.join(home, '.vscode-server-insiders', 'data') },
  ];
}

export function storageFolder(userDataDir: string): string {
  return path.join(userDataDir, 'User', 'globalStorage', EXTENSION_ID);
}

/** A folder holds a ledger when it has a snapshot or a journal. */
export function holdsLedger(dir: string): boolean {
  if (existsSync(path.join(dir, 'ledger.sqlite')) || existsSync(path.join(dir, 'ledger.sqlite.prev'))) return true;
  try {
    return readdirSync(path.join(dir, 'journal')).some((n) => n.endsWith('.jsonl'));
  } catch {
    return false;
  }
}

export interface Resolved {
  dir: string;
  /** How it was chosen, for --verbose. */
  how: string;
  /** Every default looked at (only when no folder was given). */
  looked: string[];
}

/** `--ledger` > `OPENROUTER_LEDGER_DIR` > the first product default holding a ledger (else the first installed product's). */
export function resolveLedgerDir(flag: string | undefined, env: Env = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): Resolved {
  if (flag) return { dir: path.resolve(flag), how: '--ledger', looked: [] };
  if (env.OPENROUTER_LEDGER_DIR) return { dir: path.resolve(env.OPENROUTER_LEDGER_DIR), how: 'OPENROUTER_LEDGER_DIR', looked: [] };
  const candidates = userDataDirs(platform, env, home);
  const looked = candidates.map((c) => storageFolder(c.dir));
  const withLedger = candidates.find((c) => holdsLedger(storageFolder(c.dir)));
  if (withLedger) return { dir: storageFolder(withLedger.dir), how: `the ${withLedger.product} default`, looked };
  const installed = candidates.find((c) => existsSync(c.dir)) ?? candidates[0];
  return { dir: storageFolder(installed.dir), how: `the ${installed.product} default (no ledger there yet)`, looked };
}
