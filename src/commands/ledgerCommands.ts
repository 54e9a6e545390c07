/**
 * The ledger's commands: Verify Ledger Integrity, Import Ledger, Export Ledger, Delete Ledger
 * Rows Before…. Only the conversation with the user lives here (pickers, dialogs, progress,
 * confirmation); the work is done by the vscode-free ledger.
 */
import * as vscode from 'vscode';
import { CommandIds } from './ids';
import type { ExportFormat, ImportReport, IntegrityReport, Ledger, TimeRange, TimeZoneSpec } from '../ledger';
import { presetRange } from '../ledger';
import { offsetFunction, startOfLocalDay } from '../ledger/timeZone';
import type { Logger } from '../util/logger';
import { describeError } from '../util/errors';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultExportFolder } from './exportFolder';

export interface LedgerCommandDeps {
  ledger: () => Promise<Ledger>;
  logger: Logger;
  /** The `ledger.timeZone` setting: typed dates and reports follow it. */
  timeZone: () => 'utc' | 'local';
  /** Rows were imported or deleted (views refresh). */
  onChanged: () => void;
  /** Remembers the last export folder (the dialog opens there, never inside a workspace). */
  globalState: vscode.Memento;
}

const LAST_EXPORT_FOLDER_KEY = 'openrouterLedger.lastExportFolder';

export function registerLedgerCommands(deps: LedgerCommandDeps): vscode.Disposable[] {
  const run = <A extends unknown[]>(name: string, fn: (...args: A) => Promise<void>) => async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      deps.logger.error(`${name} failed: ${describeError(err)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} failed: {1}', name, describeError(err, vscode.l10n.t)));
    }
  };
  return [
    vscode.commands.registerCommand(CommandIds.verifyLedger, run(vscode.l10n.t('Verify Ledger Integrity'), () => verifyLedger(deps))),
    vscode.commands.registerCommand(CommandIds.importLedger, run(vscode.l10n.t('Import Ledger'), () => importLedger(deps))),
    vscode.commands.registerCommand(CommandIds.exportLedger, run(vscode.l10n.t('Export Ledger'), (preset?: unknown) => exportLedger(deps, exportPreset(preset)))),
    vscode.commands.registerCommand(CommandIds.deleteLedgerRowsBefore, run(vscode.l10n.t('Delete Ledger Rows Before'), () => deleteRowsBefore(deps))),
  ];
}

async function verifyLedger(deps: LedgerCommandDeps): Promise<void> {
  const abort = new AbortController();
  const report = await Promise.resolve(vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Verifying the ledger on disk…'), cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      const ledger = await deps.ledger();
      let reported = 0;
      return ledger.verify({
        signal: abort.signal,
        onProgress: (done, total) => {
          const percent = Math.floor((done / total) * 100);
          progress.report({ increment: percent - reported, message: `${percent}%` });
          reported = percent;
        },
      });
    },
  )).catch((err: unknown) => {
    // Cancelling is the user's choice, not a failure.
    if (abort.signal.aborted) return undefined;
    throw err;
  });
  if (!report) return;
  if (report.ok) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Ledger intact: {0} requests and {1} chain entries verified, nothing altered or removed.', report.rowsChecked, report.chainEntries),
    );
    return;
  }
  deps.logger.warn(`ledger verification found ${report.problems.length} problem(s)`);
  const details = vscode.l10n.t('Show Details');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('The ledger was changed outside OpenRouter Ledger: {0} problem(s) found.', report.problems.length),
    details,
  );
  if (choice === details) await showText(integrityDetails(report));
}

function integrityDetails(report: IntegrityReport): string {
  const kinds: Record<IntegrityReport['problems'][number]['kind'], string> = {
    altered: vscode.l10n.t('altered'),
    removed: vscode.l10n.t('removed'),
    added: vscode.l10n.t('added outside the ledger'),
    chain: vscode.l10n.t('chain break'),
    file: vscode.l10n.t('unreadable file'),
  };
  return [
    `# ${vscode.l10n.t('Ledger integrity report')}`,
    '',
    vscode.l10n.t('{0} requests and {1} chain entries checked; {2} problem(s):', report.rowsChecked, report.chainEntries, report.problems.length),
    '',
    ...report.problems.map((p) => {
      const who = [p.uid && `uid ${p.uid}`, p.generationId && `generation ${p.generationId}`, p.seq !== undefined && `chain #${p.seq}`]
        .filter(Boolean)
        .join(', ');
      return `- **${kinds[p.kind]}** ${who ? `(${who})` : ''}: ${p.detail}`;
    }),
    '',
  ].join('\n');
}

async function showText(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content, language: 'markdown' });
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function importLedger(deps: LedgerCommandDeps): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Import into the OpenRouter ledger'),
    canSelectMany: false,
    filters: {
      [vscode.l10n.t('Usage log or audit database')]: ['jsonl', 'json', 'log', 'db', 'sqlite', 'sqlite3'],
      [vscode.l10n.t('All files')]: ['*'],
    },
  });
  const file = picked?.[0]?.fsPath;
  if (!file) return;
  const importWith = (skipInvalid: boolean) =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Importing {0}…', vscode.workspace.asRelativePath(file)) },
      async () => (await deps.ledger()).importFile(file, { skipInvalid }),
    );
  let report = await importWith(false);
  if (!report.applied && !report.rejected.some((r) => r.line === undefined && r.row === undefined)) {
    const validOnly = vscode.l10n.t('Import Valid Records Only');
    const details = vscode.l10n.t('Show Details');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} record(s) in the file are invalid, so nothing was imported. First: {1}', report.rejectedCount, describeRejection(report.rejected[0])),
      validOnly,
      details,
    );
    if (choice === details) await showText(rejectionDetails(report));
    if (choice !== validOnly) return;
    report = await importWith(true);
  }
  if (!report.applied) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Nothing was imported: {0}', describeRejection(report.rejected[0])));
    return;
  }
  deps.logger.info(`import: ${report.imported} imported, ${report.skipped} duplicates, ${report.rejectedCount} rejected`);
  deps.onChanged();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Imported {0} request(s); {1} were already in the ledger; {2} invalid record(s) skipped.', report.imported, report.skipped, report.rejectedCount),
  );
}

function describeRejection(r: ImportReport['rejected'][number] | undefined): string {
  if (!r) return '';
  if (r.line !== undefined) return vscode.l10n.t('line {0}: {1}', r.line, r.reason);
  if (r.row !== undefined) return vscode.l10n.t('row {0}: {1}', r.row, r.reason);
  return r.reason;
}

function rejectionDetails(report: ImportReport): string {
  const more = report.rejectedCount - report.rejected.length;
  return [
    `# ${vscode.l10n.t('Rejected records')}`,
    '',
    ...report.rejected.map((r) => `- ${describeRejection(r)}`),
    ...(more > 0 ? ['', vscode.l10n.t('…and {0} more.', more)] : []),
    '',
  ].join('\n');
}

/** The dashboard's export buttons pass the format and its range; anything malformed is ignored (the user is asked). */
interface ExportPreset {
  format?: ExportFormat;
  range?: TimeRange;
}

function exportPreset(arg: unknown): ExportPreset {
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  const format = a.format === 'csv' || a.format === 'json' || a.format === 'jsonl' || a.format === 'markdown' ? a.format : undefined;
  const range = typeof a.from === 'number' && typeof a.to === 'number' && Number.isFinite(a.from) && Number.isFinite(a.to) && a.from < a.to
    ? { from: a.from, to: a.to }
    : undefined;
  return { format, range };
}

async function exportLedger(deps: LedgerCommandDeps, preset: ExportPreset = {}): Promise<void> {
  const formats: (vscode.QuickPickItem & { format: ExportFormat; ext: string })[] = [
    { label: 'CSV', description: vscode.l10n.t('one row per request, for spreadsheets'), format: 'csv', ext: 'csv' },
    { label: 'JSON', description: vscode.l10n.t('one object per request'), format: 'json', ext: 'json' },
    { label: 'JSONL', description: vscode.l10n.t('one request per line, for DuckDB and warehouses'), format: 'jsonl', ext: 'jsonl' },
    { label: vscode.l10n.t('Markdown report'), description: vscode.l10n.t('summary, by model, daily table'), format: 'markdown', ext: 'md' },
  ];
  const format = formats.find((f) => f.format === preset.format) ?? (await vscode.window.showQuickPick(formats, { title: vscode.l10n.t('Export the ledger as…') }));
  if (!format) return;
  const range = preset.range ?? (await pickRange(deps.timeZone()));
  if (!range) return;
  const stamp = new Date().toISOString().slice(0, 10);
  const folder = defaultExportFolder({
    remembered: deps.globalState.get<string>(LAST_EXPORT_FOLDER_KEY),
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    home: os.homedir(),
  });
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export the ledger'),
    defaultUri: vscode.Uri.joinPath(vscode.Uri.file(folder), `openrouter-ledger-${stamp}.${format.ext}`),
    filters: { [format.label]: [format.ext] },
  });
  if (!target) return;
  await deps.globalState.update(LAST_EXPORT_FOLDER_KEY, path.dirname(target.fsPath));
  const abort = new AbortController();
  const result = await Promise.resolve(vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting the ledger…'), cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      return (await deps.ledger()).exportRange(format.format, range, target.fsPath, {
        tz: deps.timeZone(),
        signal: abort.signal,
        onProgress: (done, total) => {
          const percent = total ? Math.floor((done / total) * 100) : 100;
          progress.report({ increment: percent - reported, message: vscode.l10n.t('{0} of {1} requests', done, total) });
          reported = percent;
        },
      });
    },
  )).catch((err: unknown) => {
    // Cancelling is the user's choice, not a failure.
    if (abort.signal.aborted) return undefined;
    throw err;
  });
  if (!result) return;
  const open = vscode.l10n.t('Open');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Exported {0} request(s) to {1}.', result.rows, target.fsPath),
    open,
  );
  if (choice === open) await vscode.commands.executeCommand('vscode.open', target);
}

async function pickRange(tz: TimeZoneSpec): Promise<TimeRange | undefined> {
  const items: (vscode.QuickPickItem & { preset?: '24h' | '7d' | '30d' | 'all' })[] = [
    { label: vscode.l10n.t('Last 24 hours'), preset: '24h' },
    { label: vscode.l10n.t('Last 7 days'), preset: '7d' },
    { label: vscode.l10n.t('Last 30 days'), preset: '30d' },
    { label: vscode.l10n.t('Everything'), preset: 'all' },
    { label: vscode.l10n.t('Custom range…') },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Which requests?') });
  if (!picked) return undefined;
  if (picked.preset) return presetRange(picked.preset);
  const from = await askDay(vscode.l10n.t('First day to include (YYYY-MM-DD)'), tz);
  if (from === undefined) return undefined;
  const to = await askDay(vscode.l10n.t('Last day to include (YYYY-MM-DD)'), tz);
  if (to === undefined) return undefined;
  return { from, to: to + 86_400_000 };
}

/** Start of the given local day (per the ledger.timeZone setting), in epoch ms. */
async function askDay(prompt: string, tz: TimeZoneSpec): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    prompt,
    placeHolder: new Date().toISOString().slice(0, 10),
    validateInput: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && !Number.isNaN(Date.parse(v.trim())) ? undefined : vscode.l10n.t('Enter a date as YYYY-MM-DD.')),
  });
  if (text === undefined) return undefined;
  return startOfLocalDay(text.trim(), offsetFunction(tz));
}

async function deleteRowsBefore(deps: LedgerCommandDeps): Promise<void> {
  const cutoff = await askDay(vscode.l10n.t('Delete everything recorded before this day (YYYY-MM-DD)'), deps.timeZone());
  if (cutoff === undefined) return;
  const ledger = await deps.ledger();
  const affected = (await ledger.queries.summary({ to: cutoff })).requests;
  const tz = deps.timeZone();
  // en-CA formats a date as YYYY-MM-DD: the day the user typed, in the zone it was typed in.
  const local = tz === 'local';
  const day = `${new Intl.DateTimeFormat('en-CA', { timeZone: local ? undefined : 'UTC' }).format(cutoff)} (${local ? vscode.l10n.t('local time') : 'UTC'})`;
  const del = vscode.l10n.t('Delete');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete {0} request(s), credit readings and activity history dated before {1}?', affected, day),
    { modal: true, detail: vscode.l10n.t('This cannot be undone. The deletion is recorded in the ledger’s integrity chain, so verification will not report these rows as tampered with.') },
    del,
  );
  if (choice !== del) return;
  const deleted = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Deleting ledger rows…') },
    () => ledger.deleteBefore(cutoff),
  );
  deps.logger.info(`deleted ${deleted} requests before ${day}`);
  deps.onChanged();
  void vscode.window.showInformationMessage(vscode.l10n.t('Deleted {0} request(s) recorded before {1}.', deleted, day));
}
