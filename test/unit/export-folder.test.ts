/**
 * Issue 9 item 9: the export dialog opens outside every workspace folder, so an export does not
 * land in a repository by accident. Real folders in a temp directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { defaultExportFolder } from '../../src/commands/exportFolder';
import { tempDir } from './helpers/ledgerFixtures';

test('the dialog starts in the last export folder, else Downloads, else home — never inside a workspace folder', () => {
  const { dir, cleanup } = tempDir('export-folder-');
  try {
    const home = path.join(dir, 'home');
    const repo = path.join(home, 'code', 'repo');
    const reports = path.join(home, 'reports');
    mkdirSync(repo, { recursive: true });
    mkdirSync(reports, { recursive: true });
    const base = { home, workspaceFolders: [repo] };

    assert.equal(defaultExportFolder({ ...base, remembered: undefined }), home, 'no Downloads folder: home');
    mkdirSync(path.join(home, 'Downloads'));
    assert.equal(defaultExportFolder({ ...base, remembered: undefined }), path.join(home, 'Downloads'));
    assert.equal(defaultExportFolder({ ...base, remembered: reports }), reports, 'the folder used last time');
    assert.equal(defaultExportFolder({ ...base, remembered: path.join(repo, 'out') }), path.join(home, 'Downloads'), 'not inside the repository');
    assert.equal(defaultExportFolder({ ...base, remembered: path.join(dir, 'gone') }), path.join(home, 'Downloads'), 'a folder that no longer exists');
    // A workspace opened on the home folder itself: Downloads lies inside it, so go above it.
    assert.equal(defaultExportFolder({ home, workspaceFolders: [home], remembered: undefined }), dir);
  } finally {
    cleanup();
  }
});
