/**
 * Reading other tools' records: the `usage.jsonl` of the Python cost tracker
 * (`{"ts","model","prompt_tokens","completion_tokens","cost","id"}` per line) and the `audit_log`
 * table of the Python audit logger's SQLite file. Parsing only: the ledger decides what to insert.
 *
 * Every line/row is validated with the file's own field names in the messages. Deduplication is
 * by generation id, so lines without one are rejected (they could not be told apart from a
 * second import of the same file).
 */
import { promises as fs } from 'node:fs';
import { FINISHED_STATUSES, LedgerValidationError, normalizeGeneration, parseTimestamp } from './normalize';
import type { SqlJsStatic, SqlValue } from './sqljs';
import type { GenerationInput, StoredGeneration } from './types';

export type ImportFormat = 'jsonl' | 'sqlite';

export interface ImportRejection {
  /** 1-based line of a JSONL file. */
  line?: number;
  /** rowid of an `audit_log` row. */
  row?: number;
  reason: string;
}

export interface ParsedImport {
  format: ImportFormat;
  rows: StoredGeneration[];
  /** First MAX_REPORTED rejections. */
  rejected: ImportRejection[];
  rejectedCount: number;
  /** Set when the file as a whole cannot be imported (unreadable, not a known format). */
  fatal?: string;
}

export const MAX_REPORTED_REJECTIONS = 1_000;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export async function readImportFile(sql: SqlJsStatic, file: string): Promise<ParsedImport> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    return failed('jsonl', `Cannot read ${file}: ${(err as Error).message}`);
  }
  if (bytes.subarray(0, 16).equals(SQLITE_MAGIC)) return parseAuditLog(sql, bytes);
  return parseJsonl(bytes.toString('utf8'));
}

function failed(format: ImportFormat, reason: string): ParsedImport {
  return { format, rows: [], rejected: [{ reason }], rejectedCount: 1, fatal: reason };
}

class Collector {
  readonly rows: StoredGeneration[] = [];
  readonly rejected: ImportRejection[] = [];
  rejectedCount = 0;

  reject(where: { line: number } | { row: number }, reason: string): void {
    this.rejectedCount++;
    if (this.rejected.length < MAX_REPORTED_REJECTIONS) this.rejected.push({ ...where, reason });
  }

  result(format: ImportFormat): ParsedImport {
    if (!this.rows.length && !this.rejectedCount) return failed(format, 'The file holds no records.');
    return { format, rows: this.rows, rejected: this.rejected, rejectedCount: this.rejectedCount };
  }
}

/** Why a value cannot be the named field, or undefined if it can (absent/null allowed unless required). */
function problem(value: unknown, field: string, kind: 'text' | 'count' | 'money' | 'ms' | 'time', required = false): string | undefined {
  if (value === undefined || value === null || value === '') return required ? `"${field}" is missing` : undefined;
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? undefined : `"${field}" must be text`;
    case 'count':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? undefined : `"${field}" must be a whole number ≥ 0`;
    case 'money':
    case 'ms':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : `"${field}" must be a number ≥ 0`;
    case 'time':
      return typeof value === 'string' && parseTimestamp(value) !== undefined ? undefined : `"${field}" is not a valid ISO-8601 date-time`;
  }
}

function accept(c: Collector, where: { line: number } | { row: number }, input: GenerationInput): void {
  try {
    c.rows.push(normalizeGeneration(input, 'import'));
  } catch (err) {
    if (!(err instanceof LedgerValidationError)) throw err;
    c.reject(where, err.message);
  }
}

export function parseJsonl(text: string): ParsedImport {
  const c = new Collector();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(raw);
    } catch {
      return c.reject({ line }, 'not valid JSON');
    }
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return c.reject({ line }, 'not a JSON object');
    const reason =
      problem(rec.id, 'id', 'text', true) ??
      problem(rec.ts, 'ts', 'time', true) ??
      problem(rec.model, 'model', 'text', true) ??
      problem(rec.prompt_tokens, 'prompt_tokens', 'count') ??
      problem(rec.completion_tokens, 'completion_tokens', 'count') ??
      problem(rec.cost, 'cost', 'money');
    if (reason) return c.reject({ line }, reason);
    accept(c, { line }, {
      generationId: rec.id as string,
      ts: rec.ts as string,
      modelRequested: rec.model as string,
      modelUsed: rec.model as string,
      promptTokens: (rec.prompt_tokens as number | undefined) ?? null,
      completionTokens: (rec.completion_tokens as number | undefined) ?? null,
      totalCost: (rec.cost as number | undefined) ?? null,
      costSource: 'usage',
      status: 'success',
      backfill: 'none',
    });
  });
  return c.result('jsonl');
}

const AUDIT_COLUMNS = [
  'timestamp', 'generation_id', 'model_requested', 'model_used', 'prompt_tokens', 'completion_tokens',
  'total_cost', 'latency_ms', 'status', 'user_id', 'prompt_hash', 'error_code',
] as const;
const REQUIRED_AUDIT_COLUMNS = ['timestamp', 'generation_id', 'model_requested'];

export function parseAuditLog(sql: SqlJsStatic, bytes: Uint8Array): ParsedImport {
  let db;
  try {
    db = new sql.Database(bytes);
  } catch (err) {
    return failed('sqlite', `Not a readable SQLite file: ${(err as Error).message}`);
  }
  try {
    let present: Set<string>;
    try {
      present = new Set((db.exec('PRAGMA table_info(audit_log)')[0]?.values ?? []).map((r) => String(r[1]).toLowerCase()));
    } catch (err) {
      return failed('sqlite', `Not a readable SQLite file: ${(err as Error).message}`);
    }
    if (!present.size) return failed('sqlite', 'The SQLite file has no audit_log table.');
    const missing = REQUIRED_AUDIT_COLUMNS.filter((col) => !present.has(col));
    if (missing.length) return failed('sqlite', `The audit_log table lacks the column(s) ${missing.join(', ')}.`);
    const select = AUDIT_COLUMNS.map((col) => (present.has(col) ? `"${col}"` : 'NULL')).join(', ');
    const c = new Collector();
    const stmt = db.prepare(`SELECT rowid, ${select} FROM audit_log ORDER BY rowid`);
    try {
      while (stmt.step()) addAuditRow(c, stmt.get());
    } finally {
      stmt.free();
    }
    return c.result('sqlite');
  } catch (err) {
    return failed('sqlite', `The SQLite file could not be read: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

function addAuditRow(c: Collector, values: SqlValue[]): void {
  const row = values[0] as number;
  const v = Object.fromEntries(AUDIT_COLUMNS.map((col, i) => [col, values[i + 1]])) as Record<(typeof AUDIT_COLUMNS)[number], SqlValue>;
  const status = typeof v.status === 'string' ? v.status.toLowerCase() : v.status === null ? 'success' : v.status;
  const reason =
    problem(v.generation_id, 'generation_id', 'text', true) ??
    problem(v.timestamp, 'timestamp', 'time', true) ??
    problem(v.model_requested, 'model_requested', 'text', true) ??
    problem(v.model_used, 'model_used', 'text') ??
    problem(v.prompt_tokens, 'prompt_tokens', 'count') ??
    problem(v.completion_tokens, 'completion_tokens', 'count') ??
    problem(v.total_cost, 'total_cost', 'money') ??
    problem(v.latency_ms, 'latency_ms', 'ms') ??
    (FINISHED_STATUSES.includes(status as never) ? undefined : `"status" must be one of ${FINISHED_STATUSES.join(', ')}`) ??
    problem(v.user_id, 'user_id', 'text') ??
    problem(v.prompt_hash, 'prompt_hash', 'text');
  if (reason) return c.reject({ row }, reason);
  accept(c, { row }, {
    generationId: v.generation_id as string,
    ts: v.timestamp as string,
    modelRequested: v.model_requested as string,
    modelUsed: (v.model_used as string | null) ?? null,
    promptTokens: v.prompt_tokens as number | null,
    completionTokens: v.completion_tokens as number | null,
    totalCost: v.total_cost as number | null,
    latencyMs: v.latency_ms as number | null,
    costSource: 'generation',
    status: status as GenerationInput['status'],
    userId: (v.user_id as string | null) ?? null,
    promptHash: (v.prompt_hash as string | null) ?? null,
    errorCode: v.error_code === null ? null : String(v.error_code),
    backfill: 'none',
  });
}
