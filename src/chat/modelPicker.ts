import * as vscode from 'vscode';
import { formatPerMillion, isRouterModel } from '../budget/pricing';
import type { ModelInfo } from '../openrouter/types';
import { baseModelId } from './modelCatalog';

const RECENT_KEY = 'openrouterLedger.recentModels';
const RECENT_MAX = 5;

interface ModelItem extends vscode.QuickPickItem {
  modelId?: string;
}

function priceText(m: ModelInfo): string {
  const { prompt, completion } = m.pricing;
  if (prompt === 0 && completion === 0) return vscode.l10n.t('free');
  if (prompt === null || completion === null) {
    return isRouterModel(m.id) ? vscode.l10n.t('price varies (router) — unknown before the call') : vscode.l10n.t('price unknown');
  }
  return vscode.l10n.t('{0} in · {1} out', formatPerMillion(prompt, vscode.l10n.t), formatPerMillion(completion, vscode.l10n.t));
}

function itemFor(m: ModelInfo, defaultModel: string, floorButton: vscode.QuickInputButton): ModelItem {
  const context = m.contextLength ? vscode.l10n.t('{0}k context', Math.round(m.contextLength / 1000)) : '';
  return {
    label: m.id,
    modelId: m.id,
    description: `${priceText(m)}${m.id === defaultModel ? ` · ${vscode.l10n.t('default')}` : ''}`,
    detail: [m.name, context].filter(Boolean).join(' · '),
    buttons: m.id.includes(':') ? [] : [floorButton],
  };
}

/**
 * QuickPick of /models with prices per million tokens, recently used first, the default marked,
 * `:free` models listed as they come and a `:floor` (cheapest provider) button on each model.
 * A model id typed that is not in the list can be used as typed.
 */
export async function pickModel(models: ModelInfo[], state: vscode.Memento, defaultModel: string, current?: string): Promise<string | undefined> {
  const recent = state.get<string[]>(RECENT_KEY, []);
  const floorButton: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('arrow-down'),
    tooltip: vscode.l10n.t('Use the cheapest provider (:floor)'),
  };
  const byId = new Map(models.map((m) => [m.id, m]));
  // Recent ids may be `:floor` variants or typed ids: they keep their own id and show the base model's price.
  const known = (id: string) => byId.get(id) ?? byId.get(baseModelId(id));
  const first = [current, ...recent, defaultModel].filter((id, i, all): id is string => !!id && !!known(id) && all.indexOf(id) === i);
  const items: ModelItem[] = [];
  if (first.length) {
    items.push({ label: vscode.l10n.t('recently used'), kind: vscode.QuickPickItemKind.Separator });
    items.push(...first.map((id) => ({ ...itemFor(known(id)!, defaultModel, floorButton), label: id, modelId: id })));
    items.push({ label: vscode.l10n.t('all models'), kind: vscode.QuickPickItemKind.Separator });
  }
  items.push(...models.filter((m) => !first.includes(m.id)).map((m) => itemFor(m, defaultModel, floorButton)));

  const pick = vscode.window.createQuickPick<ModelItem>();
  pick.title = vscode.l10n.t('OpenRouter: choose a model');
  pick.placeholder = vscode.l10n.t('Type to search models; prices are per million tokens');
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = items;
  const chosen = await new Promise<string | undefined>((resolve) => {
    pick.onDidChangeValue((value) => {
      const typed = value.trim();
      const custom: ModelItem[] =
        typed.includes('/') && !byId.has(typed)
          ? [{ label: typed, modelId: typed, description: vscode.l10n.t('use as typed (price unknown unless listed)'), alwaysShow: true }]
          : [];
      pick.items = [...custom, ...items];
    });
    pick.onDidTriggerItemButton((e) => {
      resolve(e.item.modelId ? `${e.item.modelId}:floor` : undefined);
      pick.hide();
    });
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.modelId);
      pick.hide();
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (chosen) await state.update(RECENT_KEY, [chosen, ...recent.filter((r) => r !== chosen)].slice(0, RECENT_MAX));
  return chosen;
}
