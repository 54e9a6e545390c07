/**
 * `GET /generation?id=` — 404 "Generation not found" until `generationDelayMs` (wall clock) after
 * the completion ended, then the full record. Any valid key of the account may read it.
 */
import { authenticate } from '../auth';
import { RequestContext } from '../context';
import { MSG, sendError } from '../errors';
import { sendJson } from '../http';
import { hashKey, isoMicros } from '../ids';
import { findModel, permaslugOf } from '../catalogue';
import { DEFAULT_WORKSPACE_ID, GenerationRecord } from '../state';

function generationJson(g: GenerationRecord): Record<string, unknown> {
  const model = findModel(g.model);
  return {
    id: g.id,
    upstream_id: g.upstreamId,
    request_id: g.id.replace(/^gen-/, 'req-'),
    session_id: g.sessionId,
    created_at: isoMicros(g.createdAt, g.id),
    model: g.model,
    provider_name: g.provider,
    router: g.router,
    api_type: 'completions',
    total_cost: g.cost,
    usage: g.cost,
    cache_discount: g.cacheDiscount,
    upstream_inference_cost: g.upstreamCost,
    is_byok: g.isByok,
    tokens_prompt: g.normalizedPromptTokens,
    tokens_completion: g.normalizedCompletionTokens,
    native_tokens_prompt: g.promptTokens,
    native_tokens_completion: g.completionTokens,
    native_tokens_completion_images: 0,
    native_tokens_reasoning: 0,
    native_tokens_cached: g.cachedTokens,
    num_media_prompt: 0,
    num_input_audio_prompt: 0,
    num_media_completion: 0,
    num_search_results: 0,
    num_fetches: 0,
    web_search_engine: null,
    latency: g.latencyMs,
    generation_time: g.generationTimeMs,
    moderation_latency: null,
    streamed: g.streamed,
    cancelled: g.cancelled,
    finish_reason: g.finishReason,
    native_finish_reason: g.finishReason,
    origin: g.httpReferer ?? '',
    http_referer: g.httpReferer,
    user_agent: g.userAgent,
    app_id: g.httpReferer ? parseInt(hashKey(g.httpReferer).slice(0, 6), 16) : null,
    external_user: g.externalUser,
    preset_id: null,
    service_tier: null,
    data_region: 'global',
    workspace_id: DEFAULT_WORKSPACE_ID,
    provider_responses: [
      ...g.failedAttempts.map((a) => ({
        endpoint_id: a.endpointId, model_permaslug: model ? permaslugOf(model) : g.model, provider_name: a.provider, status: 503, latency: 1, is_byok: false,
      })),
      {
        id: g.upstreamId, endpoint_id: g.endpointId, model_permaslug: model ? permaslugOf(model) : g.model,
        provider_name: g.provider, status: 200, latency: g.latencyMs, is_byok: g.isByok,
      },
    ],
  };
}

export function getGeneration(ctx: RequestContext): void {
  if (!authenticate(ctx, 'any')) return;
  const id = ctx.query.get('id');
  if (!id) {
    sendError(ctx.res, 400, 'Invalid request parameters: id is required');
    return;
  }
  const g = ctx.core.state.generations.find((x) => x.id === id);
  if (!g || Date.now() < g.availableAt) {
    // Not written yet: 404 as documented, or (configurable) the `data: null` OpenRouter's own code tolerates.
    if (g && ctx.core.options.generationNotReady === 'data-null') sendJson(ctx.res, 200, { data: null });
    else sendError(ctx.res, 404, MSG.generationNotFound);
    return;
  }
  sendJson(ctx.res, 200, { data: generationJson(g) });
}
