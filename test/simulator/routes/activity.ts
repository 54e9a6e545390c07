/**
 * `GET /activity` — rows per (UTC date, model, endpoint) over the last 30 completed UTC days
 * (today excluded), built from billed completions plus seeded rows. Filters: date,
 * api_key_hash, user_id, workspace_id, group_by=workspace.
 */
import { authenticate } from '../auth';
import { endpointIdOf, findModel, permaslugOf } from '../catalogue';
import { RequestContext } from '../context';
import { MSG, sendError } from '../errors';
import { sendJson } from '../http';
import { uuidFrom } from '../ids';
import { CREATOR_USER_ID, DEFAULT_WORKSPACE_ID } from '../state';
import { addDays, startOfUtcDay, utcDate } from '../time';

export const ACTIVITY_WINDOW_DAYS = 30;

interface Row {
  date: string;
  model: string;
  model_permaslug: string;
  endpoint_id: string;
  provider_name: string;
  usage: number;
  byok_usage_inference: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  workspace_id?: string;
}

interface Contribution {
  date: string;
  model: string;
  provider: string;
  endpointId: string;
  keyHash: string;
  usage: number;
  byok: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

function contributions(ctx: RequestContext): Contribution[] {
  const { state } = ctx.core;
  const fromGenerations = state.generations.map((g) => ({
    date: utcDate(g.createdAt), model: g.model, provider: g.provider, endpointId: g.endpointId, keyHash: g.keyHash,
    usage: g.cost, byok: g.upstreamCost ?? 0, requests: 1,
    promptTokens: g.promptTokens, completionTokens: g.completionTokens, reasoningTokens: 0,
  }));
  const fromSeeds = state.activitySeeds.map((s) => ({
    date: utcDate(s.at), model: s.model, provider: s.provider ?? findModel(s.model)?.provider ?? 'Unknown', keyHash: s.keyHash,
    endpointId: s.provider && s.provider !== findModel(s.model)?.provider ? uuidFrom(`endpoint:${s.model}:${s.provider}`) : endpointIdOf(s.model),
    usage: s.usage, byok: s.byok ?? 0, requests: s.requests, promptTokens: s.promptTokens ?? 0,
    completionTokens: s.completionTokens ?? 0, reasoningTokens: s.reasoningTokens ?? 0,
  }));
  return [...fromGenerations, ...fromSeeds];
}

export function getActivity(ctx: RequestContext): void {
  if (!authenticate(ctx, 'management')) return;
  const today = startOfUtcDay(ctx.core.now());
  const first = utcDate(addDays(today, -ACTIVITY_WINDOW_DAYS));
  const last = utcDate(addDays(today, -1));
  const date = ctx.query.get('date');
  if (date !== null) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
      sendError(ctx.res, 400, 'Invalid request parameters: date must be YYYY-MM-DD');
      return;
    }
    if (date < first || date > last) {
      sendError(ctx.res, 400, MSG.activityWindow);
      return;
    }
  }
  const groupBy = ctx.query.get('group_by');
  if (groupBy !== null && groupBy !== 'workspace') {
    sendError(ctx.res, 400, 'Invalid request parameters: group_by must be "workspace"');
    return;
  }
  const workspace = ctx.query.get('workspace_id');
  if (workspace !== null && workspace !== DEFAULT_WORKSPACE_ID) {
    sendError(ctx.res, 404, 'Workspace not found');
    return;
  }
  const userId = ctx.query.get('user_id');
  const keyHash = ctx.query.get('api_key_hash');

  const rows = new Map<string, Row>();
  if (userId === null || userId === CREATOR_USER_ID) {
    for (const c of contributions(ctx)) {
      if (c.date < first || c.date > last || (date !== null && c.date !== date) || (keyHash !== null && c.keyHash !== keyHash)) continue;
      // One row per (date, model, endpoint): a model served by two providers gives two rows.
      const id = `${c.date}|${c.model}|${c.endpointId}`;
      let row = rows.get(id);
      if (!row) {
        const model = findModel(c.model);
        row = {
          date: c.date, model: c.model, model_permaslug: model ? permaslugOf(model) : c.model, endpoint_id: c.endpointId,
          provider_name: c.provider, usage: 0, byok_usage_inference: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0,
        };
        if (groupBy === 'workspace') row.workspace_id = DEFAULT_WORKSPACE_ID;
        rows.set(id, row);
      }
      row.usage += c.usage;
      row.byok_usage_inference += c.byok;
      row.requests += c.requests;
      row.prompt_tokens += c.promptTokens;
      row.completion_tokens += c.completionTokens;
      row.reasoning_tokens += c.reasoningTokens;
    }
  }
  const data = [...rows.values()].sort((a, b) => (a.date === b.date ? a.model.localeCompare(b.model) : a.date < b.date ? 1 : -1));
  sendJson(ctx.res, 200, { data });
}
