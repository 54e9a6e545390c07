/** The packaged extension under test: the VSIX that `npm run package` writes at the repo root. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** Inputs of `npm run package`: a VSIX older than any of them is stale. */
const PACKAGE_INPUTS = ['src', 'webview', 'l10n', 'media', 'package.json', 'build.mjs', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE'];

export function expectedVsixPath(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);
}

/** Returns the VSIX, running `npm run package` first when it is missing or older than its sources. */
export function ensurePackagedVsix(): string {
  const vsix = expectedVsixPath();
  if (fs.existsSync(vsix) && fs.statSync(vsix).mtimeMs >= newestInputMtime()) return vsix;
  console.log(`[e2e] packaging the extension (${path.basename(vsix)} is ${fs.existsSync(vsix) ? 'stale' : 'missing'})`);
  const result = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 || !fs.existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
  return vsix;
}

function newestInputMtime(): number {
  let newest = 0;
  const visit = (p: string): void => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      return;
    }
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of PACKAGE_INPUTS) visit(path.join(repoRoot, input));
  return newest;
}
