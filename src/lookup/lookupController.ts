/**
 * "OpenRouter: Look Up Generation" and the generation items' context menu (Copy Generation Id,
 * Refresh from OpenRouter, Open on OpenRouter), plus a "Look Up Generation" lens on every answer
 * of a chat transcript. The conversation with the user lives here; validation, the 404-lag retry
 * and the document are vscode-free (generationId.ts, fetchGeneration.ts, detailsDocument.ts).
 * Details open as a virtual Markdown document (`openrouter-ledger:` scheme) in the preview.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import type { Ledger, StoredGeneration } from '../ledger';
import type { OpenRouterClient } from '../openrouter/client';
import { fieldsFromGeneration } from '../chat/backfill';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { formatUsd } from '../util/money';
import { buildDetailsMarkdown } from './detailsDocument';
import { fetchGeneration, requestTime, type LookupResult } from './fetchGeneration';
import { openRouterLogsUrl, parseGenerationId } from './generationId';
import type { GenerationNode } from '../views/generations/generationsTree';

export const DOCUMENT_SCHEME = 'openrouter-ledger';
const CHAT_SCHEME = 'openrouter-chat';
const RECENT_IN_PICKER = 30;
/** An id in running text ends with a letter or digit (the transcript's Markdown `_` is not part of it). */
const CHAT_ID_PATTERN = /\bgen-[A-Za-z0-9]+(?:[-_.:][A-Za-z0-9]+)*/g;

export interface LookupDeps {
  client(): Pick<OpenRouterClient, 'getGeneration'>;
  ledger(): Promise<Ledger>;
  logger: Logger;
  describeError(err: unknown): string;
  /** A row was refined from OpenRouter (views refresh). */
  onChanged(): void;
}

/** The documents shown so far, by URI; VS Code asks for their text when it (re)opens them. */
export class GeneratedDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? vscode.l10n.t('This document is no longer available; run the command again.');
  }

  dispose(): void {
    this.changed.dispose();
  }

  /** Opens `text` as `name` in the Markdown preview (a plain editor if the preview is unavailable). */
  async show(name: string, text: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: DOCUMENT_SCHEME, path: `/${name}.md` });
    this.set(uri, text);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
  }
}

type Target = string | GenerationNode | undefined;

export class LookupController extends Disposable {
  readonly documents = this.register(new GeneratedDocuments());

  constructor(private readonly deps: LookupDeps) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, this.documents));
    this.register(vscode.languages.registerCodeLensProvider({ scheme: CHAT_SCHEME }, { provideCodeLenses: (doc) => chatLenses(doc) }));
    const command = (id: string, run: (target: Target) => Promise<void>) =>
      this.register(
        vscode.commands.registerCommand(id, async (target: Target) => {
          try {
            await run(target);
          } catch (err) {
            deps.logger.error(`${id} failed: ${deps.describeError(err)}`);
            void vscode.window.showErrorMessage(vscode.l10n.t('OpenRouter: {0}', deps.describeError(err)));
          }
        }),
      );
    command(CommandIds.lookupGeneration, (target) => this.lookUp(target));
    command(CommandIds.copyGenerationId, (target) => this.copyId(target));
    command(CommandIds.refreshGeneration, (target) => this.refreshFromOpenRouter(target));
    command(CommandIds.openGenerationOnOpenRouter, (target) => this.openOnOpenRouter(target));
  }

  private async lookUp(target: Target): Promise<void> {
    const id = await this.idOf(target);
    if (!id) return;
    const row = await this.ledgerRow(id);
    const result = await this.fetch(id, row);
    if (!result) return;
    const unavailable =
      result.kind === 'not-yet'
        ? vscode.l10n.t('OpenRouter has no record of {0} yet, after waiting {1} s. Records appear a few seconds after a request ends; try again in a moment.', id, Math.round(result.waitedMs / 1000))
        : result.kind === 'unknown'
          ? vscode.l10n.t('OpenRouter knows no generation {0}: the id is mistyped, belongs to another account, or has expired.', id)
          : undefined;
    if (result.kind !== 'found' && !row) {
      void vscode.window.showWarningMessage(unavailable ?? '');
      return;
    }
    const text = buildDetailsMarkdown({ id, generation: result.kind === 'found' ? result.generation : null, ledgerRow: row ?? null, unavailable, t: vscode.l10n.t });
    await this.documents.show(`Generation ${id}`, text);
  }

  private async fetch(id: string, row: StoredGeneration | undefined): Promise<LookupResult | undefined> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Looking up {0} on OpenRouter…', id), cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        try {
          return await fetchGeneration(this.deps.client(), id, { requestedAt: requestTime(id, row?.ts), signal: abort.signal });
        } catch (err) {
          if (abort.signal.aborted) return undefined;
          throw err;
        }
      },
    );
  }

  private async copyId(target: Target): Promise<void> {
    const id = await this.idOf(target);
    if (!id) return;
    await vscode.env.clipboard.writeText(id);
    void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0}', id));
  }

  private async openOnOpenRouter(target: Target): Promise<void> {
    const id = await this.idOf(target);
    if (id) await vscode.env.openExternal(vscode.Uri.parse(openRouterLogsUrl(id), true));
  }

  /** Re-reads `/generation` and writes its exact figures into the ledger row. */
  private async refreshFromOpenRouter(target: Target): Promise<void> {
    const id = await this.idOf(target);
    if (!id) return;
    const row = await this.ledgerRow(id);
    const result = await this.fetch(id, row);
    if (!result) return;
    if (result.kind !== 'found') {
      void vscode.window.showWarningMessage(vscode.l10n.t('OpenRouter has no record of {0} (yet); the ledger row is unchanged.', id));
      return;
    }
    const ledger = await this.deps.ledger();
    const updated = await ledger.completeFromGeneration(id, fieldsFromGeneration(result.generation));
    if (updated) this.deps.onChanged();
    void vscode.window.showInformationMessage(
      updated
        ? vscode.l10n.t('{0} updated from OpenRouter: {1}.', id, formatUsd(result.generation.totalCost ?? result.generation.usage))
        : vscode.l10n.t('{0} is not in the ledger; nothing to update.', id),
    );
  }

  private async ledgerRow(id: string): Promise<StoredGeneration | undefined> {
    try {
      const ledger = await this.deps.ledger();
      return (await ledger.queries.byGenerationId(id)) ?? undefined;
    } catch (err) {
      this.deps.logger.warn(`look-up: the ledger could not be read: ${this.deps.describeError(err)}`);
      return undefined;
    }
  }

  /** The id from a tree item or an argument, or asked for: recent ids from the ledger, or any typed id. */
  private async idOf(target: Target): Promise<string | undefined> {
    if (typeof target === 'string') {
      const parsed = parseGenerationId(target, vscode.l10n.t);
      if (parsed.ok) return parsed.id;
      void vscode.window.showErrorMessage(parsed.problem);
      return undefined;
    }
    if (target?.kind === 'generation') {
      if (target.row.generation_id) return target.row.generation_id;
      void vscode.window.showInformationMessage(vscode.l10n.t('This request failed before OpenRouter assigned it a generation id.'));
      return undefined;
    }
    return this.pickId();
  }

  private async pickId(): Promise<string | undefined> {
    const recent = await this.recentWithIds();
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { id?: string }>();
    pick.title = vscode.l10n.t('OpenRouter: Look Up Generation');
    pick.placeholder = vscode.l10n.t('Pick a recent request, or paste a generation id (e.g. an X-Generation-Id from another tool)');
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    const recentItems = recent.map((row) => ({
      label: row.generation_id ?? '',
      id: row.generation_id ?? undefined,
      description: row.model_used ?? row.model_requested,
      detail: `${formatUsd(row.total_cost)} · ${age(row.ts)}`,
    }));
    pick.items = recentItems;
    return new Promise<string | undefined>((resolve) => {
      let result: string | undefined;
      pick.onDidChangeValue((value) => {
        if (!value.trim()) {
          pick.items = recentItems;
          return;
        }
        const parsed = parseGenerationId(value, vscode.l10n.t);
        const typed = parsed.ok
          ? { label: parsed.id, id: parsed.id, description: vscode.l10n.t('look up this id'), alwaysShow: true }
          : { label: `$(error) ${value.trim()}`, detail: parsed.problem, alwaysShow: true };
        pick.items = [typed, ...recentItems.filter((i) => !parsed.ok || i.id !== parsed.id)];
      });
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
        // Enter right after a paste can come before the typed item exists: the text itself is the choice.
        const typed = chosen ? undefined : parseGenerationId(pick.value, vscode.l10n.t);
        const id = chosen?.id ?? (typed?.ok ? typed.id : undefined);
        if (!id) return; // an invalid typed id: its problem is shown, no request is made
        result = id;
        pick.hide();
      });
      pick.onDidHide(() => {
        pick.dispose();
        resolve(result);
      });
      pick.show();
    });
  }

  private async recentWithIds(): Promise<StoredGeneration[]> {
    try {
      const ledger = await this.deps.ledger();
      return (await ledger.queries.recent(RECENT_IN_PICKER * 2)).filter((r) => r.generation_id).slice(0, RECENT_IN_PICKER);
    } catch {
      return [];
    }
  }
}

function age(ts: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 90) return vscode.l10n.t('{0} s ago', s);
  if (s < 90 * 60) return vscode.l10n.t('{0} min ago', Math.round(s / 60));
  if (s < 36 * 3600) return vscode.l10n.t('{0} h ago', Math.round(s / 3600));
  return vscode.l10n.t('{0} days ago', Math.round(s / 86_400));
}

/** A "Look Up Generation" lens on each transcript line that names a generation id. */
function chatLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
  const lenses: vscode.CodeLens[] = [];
  for (let line = 0; line < doc.lineCount; line++) {
    for (const m of doc.lineAt(line).text.matchAll(CHAT_ID_PATTERN)) {
      const range = new vscode.Range(line, m.index ?? 0, line, (m.index ?? 0) + m[0].length);
      lenses.push(new vscode.CodeLens(range, { command: CommandIds.lookupGeneration, title: vscode.l10n.t('Look Up Generation {0}', m[0]), arguments: [m[0]] }));
    }
  }
  return lenses;
}
