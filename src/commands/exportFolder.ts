/**
 * Where the export dialog opens: the folder of the last export, else Downloads, else the home
 * folder — and never one inside an open workspace folder, so an export (which lists what was
 * spent, by whom, on which branch) does not land in a repository and get committed by accident.
 * vscode-free so it is tested on real folders.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';

export interface ExportFolderInput {
  /** The folder of the last export (kept in globalState), if any. */
  remembered: string | undefined;
  workspaceFolders: readonly string[];
  home: string;
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

function inside(folder: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(folder));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function defaultExportFolder(input: ExportFolderInput): string {
  const outsideWorkspaces = (folder: string) => !input.workspaceFolders.some((w) => inside(folder, w));
  const candidates = [input.remembered, path.join(input.home, 'Downloads'), input.home].filter((f): f is string => !!f);
  for (const folder of candidates) {
    if (isDirectory(folder) && outsideWorkspaces(folder)) return path.resolve(folder);
  }
  // Every candidate lies inside a workspace (one opened on the home folder): the first folder above all of them.
  let folder = path.resolve(input.home);
  while (!outsideWorkspaces(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  return folder;
}
