/** `GET /models` (auth optional, like the docs' unauthenticated curl) and `GET /model/{author}/{slug}`. */
import { findModel, modelBody, modelsBody } from '../catalogue';
import { RequestContext } from '../context';
import { sendError } from '../errors';
import { sendJson } from '../http';

function optionalInt(value: string | null): number | undefined | 'invalid' {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : 'invalid';
}

export function getModels(ctx: RequestContext): void {
  const offset = optionalInt(ctx.query.get('offset'));
  const limit = optionalInt(ctx.query.get('limit'));
  if (offset === 'invalid' || limit === 'invalid' || (limit !== undefined && (limit < 1 || limit > 1000))) {
    sendError(ctx.res, 400, 'Invalid request parameters');
    return;
  }
  sendJson(ctx.res, 200, modelsBody(offset, limit, ctx.core.origin()));
}

export function getModel(ctx: RequestContext, params: string[]): void {
  const model = findModel(`${params[0]}/${params[1]}`);
  if (!model) {
    sendError(ctx.res, 404, 'Model not found');
    return;
  }
  sendJson(ctx.res, 200, { data: modelBody(model) });
}
