import * as vscode from 'vscode';

interface GitApi {
  repositories: Array<{ rootUri: vscode.Uri; state: { HEAD?: { name?: string } } }>;
}

/** The branch of the repository holding the active file (or the first one), via the built-in Git extension. */
export function currentGitBranch(): string | null {
  const git = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
  if (!git?.isActive) return null;
  try {
    const repos = git.exports.getAPI(1).repositories;
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const repo = repos.find((r) => active?.startsWith(r.rootUri.fsPath)) ?? repos[0];
    return repo?.state.HEAD?.name ?? null;
  } catch {
    // The Git extension throws ("Git model not found") when git is disabled or not installed.
    return null;
  }
}
