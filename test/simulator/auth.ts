/**
 * Bearer-key authentication with OpenRouter's observed answers:
 * no/garbled header → 401 "No cookie auth credentials found"; unknown key → 401 "User not found.";
 * disabled or expired key → 401; management-only route with an inference key → 403.
 */
import { RequestContext } from './context';
import { MSG, sendError } from './errors';
import { KeyRecord } from './state';

export type Access = 'any' | 'management' | 'inference';

function bearerOf(ctx: RequestContext): string | undefined {
  const header = ctx.req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/** Returns the calling key, or answers the error itself and returns undefined. */
export function authenticate(ctx: RequestContext, access: Access): KeyRecord | undefined {
  const token = bearerOf(ctx);
  if (!token) {
    sendError(ctx.res, 401, MSG.noAuth);
    return undefined;
  }
  const record = ctx.core.state.findKey(token);
  if (!record || record.key !== token) {
    sendError(ctx.res, 401, MSG.userNotFound);
    return undefined;
  }
  if (record.disabled) {
    sendError(ctx.res, 401, MSG.keyDisabled);
    return undefined;
  }
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= ctx.core.now().getTime()) {
    sendError(ctx.res, 401, MSG.keyExpired);
    return undefined;
  }
  if (access === 'management' && !record.management) {
    sendError(ctx.res, 403, MSG.managementOnly);
    return undefined;
  }
  if (access === 'inference' && record.management) {
    sendError(ctx.res, 403, MSG.managementOnInference);
    return undefined;
  }
  return record;
}
