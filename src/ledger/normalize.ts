/**
 * Turns caller input into stored rows: one canonical representation per value (UTC `…Z`
 * timestamps, 0/1 booleans, JSON tags, no keys), so that a row hashes the same when it is
 * written, replayed from a journal by another window, or read back for verification.
 */
import { createHash, randomBytes } from 'node:crypto';
import { maskKey, scrubSecrets } from '../keys/mask';
import { nanosToUsd, toNanos } from '../util/money';
import type {
  BackfillState,
  CostSource,
  GenerationInput,
  GenerationPatch,
  GenerationStatus,
  StoredGeneration,
} from './types';

export class LedgerValidationError extends Error {
  override readonly name = 'LedgerValidationError';
}

/** Stored column order: the canonical order for hashing, exporting and inserting. */
export const GENERATION_COLUMNS = [
  'uid', 'generation_id', 'ts', 'model_requested', 'model_used', 'provider',
  'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens',
  'total_cost', 'upstream_inference_cost', 'cache_discount', 'is_byok', 'cost_source',
  'latency_ms', 'ttft_ms', 'generation_time_ms', 'status', 'error_code', 'http_status',
  'finish_reason', 'streamed', 'user_id', 'tags', 'workspace', 'git_branch', 'prompt_hash',
  'prompt_text', 'key_label', 'chat_session', 'origin', 'backfill',
] as const satisfies readonly (keyof StoredGeneration)[];

export const COST_SOURCES: readonly CostSource[] = ['usage', 'generation', 'estimate'];
export const STATUSES: readonly GenerationStatus[] = ['success', 'error', 'timeout', 'cancelled', 'pending', 'interrupted'];
/** Statuses of a finished call (what an imported record may say). */
export const FINISHED_STATUSES: readonly GenerationStatus[] = ['success', 'error', 'timeout', 'cancelled'];
const BACKFILL_STATES: readonly BackfillState[] = ['pending', 'done', 'abandoned', 'none'];

/**
 * Statuses that count as failures in error rates. A user's cancel is not a failure, and neither
 * is a call still running (`pending`) or cut off by its window (`interrupted`): OpenRouter may
 * well have answered it, and it counts as a request (and its cost as spent) all the same.
 */
export const ERROR_STATUSES: readonly GenerationStatus[] = ['error', 'timeout'];

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date-time (a missing offset means UTC, as in SQLite's `datetime()`), or
 * epoch milliseconds, into epoch ms. Returns undefined for anything else, including dates
 * `Date` would silently roll over (Feb 30) and years outside 1970–9999 (where ISO text would
 * stop sorting chronologically).
 */
export function parseTimestamp(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') {
    ms = Number.isFinite(value) ? Math.floor(value) : undefined;
  } else if (typeof value === 'string') {
    const m = ISO_PATTERN.exec(value.trim());
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)];
    const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
    const utc = Date.UTC(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], millis);
    const check = new Date(utc);
    if (check.getUTCMonth() !== fields[1] || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
      return undefined;
    }
    ms = utc - zoneOffsetMinutes(zone) * 60_000;
  }
  if (ms === undefined || ms < 0 || ms >= Date.UTC(10000, 0, 1)) return undefined;
  return ms;
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

const UID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
let randomPool = Buffer.alloc(0);
let poolAt = 0;

/**
 * Time-ordered (so inserts append to the uid index): 9 base-36 characters of epoch ms and 7
 * random alphanumerics (~41 bits; uniqueness only matters among rows of the same millisecond).
 * Random bytes are drawn in blocks: one crypto call per 512 uids instead of one per row.
 */
export function newUid(nowMs = Date.now()): string {
  if (poolAt + 7 > randomPool.length) {
    randomPool = randomBytes(3584);
    poolAt = 0;
  }
  let suffix = '';
  for (let i = 0; i < 7; i++) suffix += UID_ALPHABET[randomPool[poolAt++] % 62];
  return nowMs.toString(36).padStart(9, '0').slice(-9) + suffix;
}

/** A caller-chosen uid: what `newUid` makes, or any other short id of letters, digits, `-` and `_`. */
const UID_PATTERN = /^[0-9A-Za-z_-]{8,64}$/;

function callerUid(value: unknown): string {
  if (typeof value !== 'string' || !UID_PATTERN.test(value)) fail('uid', 'must be 8 to 64 letters, digits, "-" or "_"');
  return value;
}

function fail(field: string, problem: string): never {
  throw new LedgerValidationError(`${field} ${problem}`);
}

function text(value: unknown, field: string, required = false): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) fail(field, 'is required');
    return null;
  }
  if (typeof value !== 'string') fail(field, 'must be a string');
  return cleanText(value);
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Masks keys, and replaces what SQLite's UTF-8 text cannot hold unchanged (NUL, lone UTF-16
 * surrogates) with U+FFFD, so the value read back is the value hashed.
 */
export function cleanText(value: string): string {
  return scrubSecrets(value.replace(UNSTORABLE, '\uFFFD'));
}

function count(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(field, 'must be a whole number ≥ 0');
  return value;
}

function real(value: unknown, field: string, allowNegative = false): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'must be a finite number');
  if (!allowNegative && value < 0) fail(field, 'must not be negative');
  return value === 0 ? 0 : value; // -0 and 0 must hash alike
}

/** The largest amount kept exactly as whole nano-dollars in a double (2^53 − 1 nano-dollars). */
const LARGEST_AMOUNT_USD = Number.MAX_SAFE_INTEGER / 1e9;

function money(value: unknown, field: string, allowNegative = false): number | null {
  const usd = real(value, field, allowNegative);
  if (usd !== null && Math.abs(usd) > LARGEST_AMOUNT_USD) fail(field, `must be at most ${Math.floor(LARGEST_AMOUNT_USD)} US dollars`);
  return usd;
}

function flag(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') fail(field, 'must be true or false');
  return value ? 1 : 0;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function tagList(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) fail('tags', 'must be a list of strings');
  return value.length ? JSON.stringify(value.map((t: string) => cleanText(t))) : null;
}

function keyLabel(value: unknown): string | null {
  const label = text(value, 'keyLabel');
  if (label === null) return null;
  return /^sk-or-/.test(label) && !label.includes('…') ? maskKey(label) : label;
}

type PatchColumns = Omit<StoredGeneration, 'uid' | 'generation_id' | 'ts' | 'model_requested' | 'origin' | 'backfill'>;

/** Maps the patchable camelCase fields to their stored columns; only keys present are touched. */
function patchColumns(input: GenerationPatch): Partial<PatchColumns> {
  const out: Partial<PatchColumns> = {};
  const has = (k: keyof GenerationPatch) => Object.prototype.hasOwnProperty.call(input, k);
  if (has('modelUsed')) out.model_used = text(input.modelUsed, 'modelUsed');
  if (has('provider')) out.provider = text(input.provider, 'provider');
  if (has('promptTokens')) out.prompt_tokens = count(input.promptTokens, 'promptTokens');
  if (has('completionTokens')) out.completion_tokens = count(input.completionTokens, 'completionTokens');
  if (has('reasoningTokens')) out.reasoning_tokens = count(input.reasoningTokens, 'reasoningTokens');
  if (has('cachedTokens')) out.cached_tokens = count(input.cachedTokens, 'cachedTokens');
  if (has('totalCost')) out.total_cost = money(input.totalCost, 'totalCost');
  if (has('upstreamInferenceCost')) out.upstream_inference_cost = money(input.upstreamInferenceCost, 'upstreamInferenceCost');
  // OpenRouter reports cache writes as a negative discount.
  if (has('cacheDiscount')) out.cache_discount = money(input.cacheDiscount, 'cacheDiscount', true);
  if (has('isByok')) out.is_byok = flag(input.isByok, 'isByok');
  if (has('costSource')) out.cost_source = oneOf(input.costSource, COST_SOURCES, 'costSource');
  if (has('latencyMs')) out.latency_ms = real(input.latencyMs, 'latencyMs');
  if (has('ttftMs')) out.ttft_ms = real(input.ttftMs, 'ttftMs');
  if (has('generationTimeMs')) out.generation_time_ms = real(input.generationTimeMs, 'generationTimeMs');
  if (has('status')) out.status = oneOf(input.status, STATUSES, 'status');
  if (has('errorCode')) out.error_code = text(input.errorCode, 'errorCode');
  if (has('httpStatus')) out.http_status = count(input.httpStatus, 'httpStatus');
  if (has('finishReason')) out.finish_reason = text(input.finishReason, 'finishReason');
  if (has('streamed')) out.streamed = flag(input.streamed, 'streamed');
  if (has('userId')) out.user_id = text(input.userId, 'userId');
  if (has('tags')) out.tags = tagList(input.tags);
  if (has('workspace')) out.workspace = text(input.workspace, 'workspace');
  if (has('gitBranch')) out.git_branch = text(input.gitBranch, 'gitBranch');
  if (has('promptHash')) out.prompt_hash = text(input.promptHash, 'promptHash');
  if (has('promptText')) out.prompt_text = text(input.promptText, 'promptText');
  if (has('keyLabel')) out.key_label = keyLabel(input.keyLabel);
  if (has('chatSession')) out.chat_session = text(input.chatSession, 'chatSession');
  return out;
}

/** Validates and converts a new row; throws LedgerValidationError naming the bad field. */
export function normalizeGeneration(input: GenerationInput, origin: StoredGeneration['origin'] = 'extension'): StoredGeneration {
  if (typeof input !== 'object' || input === null) fail('row', 'must be an object');
  const uid = input.uid === undefined ? newUid() : callerUid(input.uid);
  const tsMs = parseTimestamp(input.ts);
  if (tsMs === undefined) fail('ts', 'must be an ISO-8601 date-time or epoch milliseconds between 1970 and 9999');
  const generationId = text(input.generationId, 'generationId');
  const costSource = oneOf(input.costSource, COST_SOURCES, 'costSource');
  const defaultBackfill: BackfillState = generationId && costSource !== 'generation' ? 'pending' : 'none';
  const columns: PatchColumns = {
    model_used: null, provider: null, prompt_tokens: null, completion_tokens: null, reasoning_tokens: null,
    cached_tokens: null, total_cost: null, upstream_inference_cost: null, cache_discount: null, is_byok: null,
    cost_source: costSource, latency_ms: null, ttft_ms: null, generation_time_ms: null,
    status: oneOf(input.status, STATUSES, 'status'), error_code: null, http_status: null, finish_reason: null,
    streamed: null, user_id: null, tags: null, workspace: null, git_branch: null, prompt_hash: null,
    prompt_text: null, key_label: null, chat_session: null,
    ...patchColumns(input),
  };
  return {
    uid,
    generation_id: generationId,
    ts: toIso(tsMs),
    model_requested: text(input.modelRequested, 'modelRequested', true) as string,
    ...columns,
    origin,
    backfill: input.backfill === undefined ? defaultBackfill : oneOf(input.backfill, BACKFILL_STATES, 'backfill'),
  };
}

/** Validates a patch into the stored columns it changes (may include `backfill`). */
export function normalizePatch(patch: GenerationPatch, backfill?: BackfillState): Partial<StoredGeneration> {
  if (typeof patch !== 'object' || patch === null) fail('patch', 'must be an object');
  const out: Partial<StoredGeneration> = patchColumns(patch);
  if (backfill !== undefined) out.backfill = oneOf(backfill, BACKFILL_STATES, 'backfill');
  return out;
}

/** Checks a row read back from a journal (written by another window, possibly another version). */
export function isStoredGeneration(value: unknown): value is StoredGeneration {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    typeof row.uid === 'string' &&
    typeof row.ts === 'string' &&
    typeof row.model_requested === 'string' &&
    GENERATION_COLUMNS.every((c) => c in row)
  );
}

// Money conversions live with the rest of the money code (util/money.ts); the ledger's readers import them from here.
export { NANOS_PER_USD, nanosToDecimal, nanosToUsd, toNanos } from '../util/money';

/** The `generations` columns holding money (nano-dollars when stored). */
export const COST_COLUMNS = ['total_cost', 'upstream_inference_cost', 'cache_discount'] as const satisfies readonly (keyof StoredGeneration)[];
const COST_AT = new Set<number>(COST_COLUMNS.map((c) => GENERATION_COLUMNS.indexOf(c)));

/** A row's stored values in GENERATION_COLUMNS order (money in nano-dollars): what is inserted and hashed. */
export function rowValues(row: StoredGeneration): (string | number | null)[] {
  return GENERATION_COLUMNS.map((c, i) => {
    const v = row[c];
    return COST_AT.has(i) && typeof v === 'number' ? toNanos(v) : v;
  });
}

/** The row of stored values (GENERATION_COLUMNS order, money in nano-dollars), money back in USD. */
export function rowFromStored(values: readonly unknown[]): StoredGeneration {
  const row: Record<string, unknown> = {};
  GENERATION_COLUMNS.forEach((c, i) => {
    const v = values[i] ?? null;
    row[c] = COST_AT.has(i) && typeof v === 'number' ? nanosToUsd(v) : v;
  });
  return row as unknown as StoredGeneration;
}

/** 128-bit content hash over every stored column in canonical order. */
export function rowHash(values: readonly unknown[]): Uint8Array {
  return createHash('sha256').update(JSON.stringify(values)).digest().subarray(0, 16);
}
