/** Management API: `GET/POST /keys`, `GET/PATCH/DELETE /keys/{hash}` (management key only). */
import { authenticate } from '../auth';
import { RequestContext } from '../context';
import { MSG, sendError } from '../errors';
import { sendJson } from '../http';
import { managedKeyJson } from '../keyjson';
import { DEFAULT_WORKSPACE_ID, KeyRecord } from '../state';
import { LimitReset } from '../types';

export const KEYS_PAGE_SIZE = 100;
const RESETS: readonly LimitReset[] = ['daily', 'weekly', 'monthly', null];

interface KeyFields {
  name?: string;
  disabled?: boolean;
  limit?: number | null;
  limitReset?: LimitReset;
  includeByokInLimit?: boolean;
  expiresAt?: string | null;
}

/** Reads the writable fields of a key body; returns an error message for the first bad field. */
function readFields(body: unknown, allowExpiry: boolean): KeyFields | string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'Invalid request body';
  const b = body as Record<string, unknown>;
  const f: KeyFields = {};
  if (b.name !== undefined) {
    if (typeof b.name !== 'string' || !b.name.trim()) return 'name must be a non-empty string';
    f.name = b.name;
  }
  if (b.disabled !== undefined) {
    if (typeof b.disabled !== 'boolean') return 'disabled must be a boolean';
    f.disabled = b.disabled;
  }
  if (b.limit !== undefined) {
    if (b.limit !== null && (typeof b.limit !== 'number' || !Number.isFinite(b.limit) || b.limit < 0)) return 'limit must be a non-negative number or null';
    f.limit = b.limit;
  }
  if (b.limit_reset !== undefined) {
    if (!RESETS.includes(b.limit_reset as LimitReset)) return 'limit_reset must be daily, weekly, monthly or null';
    f.limitReset = b.limit_reset as LimitReset;
  }
  if (b.include_byok_in_limit !== undefined) {
    if (typeof b.include_byok_in_limit !== 'boolean') return 'include_byok_in_limit must be a boolean';
    f.includeByokInLimit = b.include_byok_in_limit;
  }
  if (allowExpiry && b.expires_at !== undefined && b.expires_at !== null) {
    const text = b.expires_at;
    if (typeof text !== 'string' || !/(Z|\+00:00)$/.test(text) || Number.isNaN(Date.parse(text))) return 'expires_at must be an ISO 8601 UTC timestamp';
    f.expiresAt = text;
  }
  return f;
}

function findManaged(ctx: RequestContext, hash: string): KeyRecord | undefined {
  const record = ctx.core.state.keys.get(hash);
  if (!record || record.management) {
    sendError(ctx.res, 404, MSG.resourceNotFound);
    return undefined;
  }
  return record;
}

export function listKeys(ctx: RequestContext): void {
  if (!authenticate(ctx, 'management')) return;
  const offsetText = ctx.query.get('offset') ?? '0';
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset < 0) {
    sendError(ctx.res, 400, 'offset must be a non-negative integer');
    return;
  }
  const workspace = ctx.query.get('workspace_id');
  const includeDisabled = ctx.query.get('include_disabled') === 'true';
  const { state } = ctx.core;
  const keys = workspace && workspace !== DEFAULT_WORKSPACE_ID ? [] : state.listedKeys().filter((k) => includeDisabled || !k.disabled);
  sendJson(ctx.res, 200, { data: keys.slice(offset, offset + KEYS_PAGE_SIZE).map((k) => managedKeyJson(state, k)) });
}

export function createKey(ctx: RequestContext): void {
  if (!authenticate(ctx, 'management')) return;
  const fields = readFields(ctx.body, true);
  if (typeof fields === 'string' || fields.name === undefined) {
    sendError(ctx.res, 400, typeof fields === 'string' ? fields : 'name is required');
    return;
  }
  const record = ctx.core.state.addKey(fields);
  sendJson(ctx.res, 201, { data: managedKeyJson(ctx.core.state, record), key: record.key });
}

export function getKeyByHash(ctx: RequestContext, params: string[]): void {
  if (!authenticate(ctx, 'management')) return;
  const record = findManaged(ctx, params[0]);
  if (record) sendJson(ctx.res, 200, { data: managedKeyJson(ctx.core.state, record) });
}

export function patchKey(ctx: RequestContext, params: string[]): void {
  if (!authenticate(ctx, 'management')) return;
  const record = findManaged(ctx, params[0]);
  if (!record) return;
  const fields = readFields(ctx.body, false);
  if (typeof fields === 'string') {
    sendError(ctx.res, 400, fields);
    return;
  }
  if (fields.name !== undefined) record.name = fields.name;
  if (fields.disabled !== undefined) record.disabled = fields.disabled;
  if (fields.limit !== undefined) record.limit = fields.limit;
  if (fields.limitReset !== undefined) record.limitReset = fields.limitReset;
  if (fields.includeByokInLimit !== undefined) record.includeByokInLimit = fields.includeByokInLimit;
  record.updatedAt = ctx.core.now();
  sendJson(ctx.res, 200, { data: managedKeyJson(ctx.core.state, record) });
}

export function deleteKey(ctx: RequestContext, params: string[]): void {
  if (!authenticate(ctx, 'management')) return;
  const record = findManaged(ctx, params[0]);
  if (!record) return;
  ctx.core.state.keys.delete(record.hash);
  sendJson(ctx.res, 200, { deleted: true });
}
