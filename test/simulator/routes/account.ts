/** `GET /key`, `GET /auth/key` (legacy alias, same body) and `GET /credits`. */
import { authenticate } from '../auth';
import { RequestContext } from '../context';
import { MSG, sendError } from '../errors';
import { sendJson } from '../http';
import { currentKeyBody } from '../keyjson';

export function getKey(ctx: RequestContext): void {
  const record = authenticate(ctx, 'any');
  if (!record) return;
  sendJson(ctx.res, 200, currentKeyBody(ctx.core.state, record, ctx.core.now()));
}

export function getCredits(ctx: RequestContext): void {
  const record = authenticate(ctx, 'any');
  if (!record) return;
  if (!record.management && ctx.core.options.creditsForInferenceKey === 'forbid') {
    sendError(ctx.res, 403, MSG.managementOnly);
    return;
  }
  const { totalCredits, totalUsage } = ctx.core.state;
  sendJson(ctx.res, 200, { data: { total_credits: totalCredits, total_usage: totalUsage } });
}
