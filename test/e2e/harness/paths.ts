/** Fixed locations the E2E harness shares between the runner and the suites. */
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Screenshots and scrubbed logs of the last run; git-ignored, wiped at the start of each run. */
export const artifactsRoot = path.join(repoRoot, '.e2e-artifacts');

export const installToolsScript = path.join(repoRoot, 'test', 'e2e', 'install-tools.sh');

/** Environment variables the runner hands to the suites it starts. */
export const env = {
  toolsDir: 'E2E_TOOLS_DIR',
  vsix: 'E2E_VSIX',
  /** A folder where every started process group leaves a pid file, so the runner can reap leftovers. */
  runDir: 'E2E_RUN_DIR',
} as const;
