/**
 * How a `generations` row is stored since schema v6: packed into `generations_packed`, read back
 * through the view `generations`, which shows every column exactly as before (ISO timestamps,
 * model names, status words), so what a query, an export, a hash or an SQLite tool sees is
 * unchanged. At a million rows the packed row is about half the size: the file, and the memory
 * every window holds it in, shrink with it.
 *
 * - `ts` → `ts_ms`, epoch milliseconds (6 bytes in the row and every index instead of 25);
 * - repeated text (models, provider, user, workspace, branch, key label, chat session, error
 *   code, finish reason) → `…_ref`, the id of the text in `strings`;
 * - the enumerations (cost source, status, origin, backfill) → `…_code`, a small integer;
 * - a lowercase hex `prompt_hash` → the bytes it spells.
 *
 * Every encoding is lossless: a value that does not fit it (only an edit of the file makes one)
 * is stored as it is, and the view gives it back as it is, so verification still compares the
 * exact values that were hashed.
 */
import type { SqlValue, Statement } from './sqljs';
import { GENERATION_COLUMNS } from './normalize';

type Column = (typeof GENERATION_COLUMNS)[number];

/** Codes are stored: append new words, never reorder. */
const ENUMS = {
  cost_source: ['usage', 'generation', 'estimate'],
  status: ['success', 'error', 'timeout', 'cancelled', 'pending', 'interrupted'],
  origin: ['extension', 'import'],
  backfill: ['pending', 'done', 'abandoned', 'none'],
} as const satisfies Partial<Record<Column, readonly string[]>>;

type EnumColumn = keyof typeof ENUMS;
type Codec = 'plain' | 'time' | 'ref' | 'hex' | EnumColumn;

/** The columns whose text is kept once in `strings`; each is stored as `<column>_ref`. */
export const TEXT_REF_COLUMNS: readonly Column[] = [
  'model_requested', 'model_used', 'provider', 'error_code', 'finish_reason', 'user_id', 'workspace', 'git_branch', 'key_label', 'chat_session',
];
const REF_COLUMNS = new Set<Column>(TEXT_REF_COLUMNS);

function codecOf(column: Column): Codec {
  if (column === 'ts') return 'time';
  if (column === 'prompt_hash') return 'hex';
  if (REF_COLUMNS.has(column)) return 'ref';
  return column in ENUMS ? (column as EnumColumn) : 'plain';
}

const CODECS: readonly Codec[] = GENERATION_COLUMNS.map(codecOf);

/** The stored column of each logical column, in GENERATION_COLUMNS order. */
export const PACKED_COLUMNS: readonly string[] = GENERATION_COLUMNS.map((c, i) => {
  const codec = CODECS[i];
  return codec === 'time' ? 'ts_ms' : codec === 'ref' ? `${c}_ref` : codec in ENUMS ? `${c}_code` : c;
});

export const PACKED_TABLE = 'generations_packed';

/** The stored code of an enumeration's word, for SQL on the packed table (partial indexes, their queries). */
export function code<C extends EnumColumn>(column: C, word: (typeof ENUMS)[C][number]): number {
  return (ENUMS[column] as readonly string[]).indexOf(word);
}

/**
 * The packed table: v5's `generations` column by column, in the packed encodings (money in whole
 * nano-dollars). Status and cost source keep the CHECK they had; widening one needs a migration.
 */
export const PACKED_TABLE_SQL = `CREATE TABLE ${PACKED_TABLE} (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  generation_id TEXT UNIQUE,
  ts_ms INTEGER NOT NULL,
  model_requested_ref INTEGER NOT NULL,
  model_used_ref INTEGER,
  provider_ref INTEGER,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  reasoning_tokens INTEGER,
  cached_tokens INTEGER,
  total_cost INTEGER,
  upstream_inference_cost INTEGER,
  cache_discount INTEGER,
  is_byok INTEGER,
  cost_source_code INTEGER NOT NULL CHECK (cost_source_code BETWEEN 0 AND 2),
  latency_ms REAL,
  ttft_ms REAL,
  generation_time_ms REAL,
  status_code INTEGER NOT NULL CHECK (status_code BETWEEN 0 AND 5),
  error_code_ref INTEGER,
  http_status INTEGER,
  finish_reason_ref INTEGER,
  streamed INTEGER,
  user_id_ref INTEGER,
  tags TEXT,
  workspace_ref INTEGER,
  git_branch_ref INTEGER,
  prompt_hash,
  prompt_text TEXT,
  key_label_ref INTEGER,
  chat_session_ref INTEGER,
  origin_code INTEGER NOT NULL,
  backfill_code INTEGER NOT NULL
)`;

export const STRINGS_TABLE_SQL = 'CREATE TABLE strings (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE)';

/** SQL giving a logical column's value from its packed column (a value outside the encoding comes back as stored). */
export function unpackSql(column: Column): string {
  const i = GENERATION_COLUMNS.indexOf(column);
  const stored = PACKED_COLUMNS[i];
  const codec = CODECS[i];
  switch (codec) {
    case 'plain':
      return stored;
    case 'time':
      return `CASE WHEN typeof(${stored}) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%fZ', ${stored} / 1000.0, 'unixepoch') ELSE ${stored} END`;
    case 'ref':
      return `(SELECT value FROM strings WHERE id = ${stored})`;
    case 'hex':
      return `CASE WHEN typeof(${stored}) = 'blob' THEN lower(hex(${stored})) ELSE ${stored} END`;
    default:
      return `CASE ${stored} ${ENUMS[codec].map((word, n) => `WHEN ${n} THEN '${word}'`).join(' ')} ELSE ${stored} END`;
  }
}

/**
 * SQL packing a v5 `generations` column of the row `g` (the schema v6 migration): the inverse of
 * unpackSql, and like RowPacker it keeps a value outside an encoding as it is.
 */
export function packSql(column: Column): string {
  const i = GENERATION_COLUMNS.indexOf(column);
  const codec = CODECS[i];
  switch (codec) {
    case 'plain':
      return `g.${column}`;
    case 'time':
      return `CASE WHEN typeof(g.ts) = 'text' AND g.ts GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
        THEN CAST(round((julianday(g.ts) - 2440587.5) * 86400000.0) AS INTEGER) ELSE g.ts END`;
    case 'ref':
      return `(SELECT id FROM strings WHERE value = g.${column})`;
    case 'hex':
      return `CASE WHEN typeof(g.${column}) = 'text' AND length(g.${column}) > 0 AND length(g.${column}) % 2 = 0 AND g.${column} NOT GLOB '*[^0-9a-f]*'
        THEN unhex(g.${column}) ELSE g.${column} END`;
    default:
      return `CASE g.${column} ${ENUMS[codec].map((word, n) => `WHEN '${word}' THEN ${n}`).join(' ')} ELSE g.${column} END`;
  }
}

/**
 * The view every reader uses: the v5 columns, exactly, plus `ts_ms` for range conditions (a
 * condition on it uses the packed table's indexes; one on the ISO `ts` would read every row).
 */
export const GENERATIONS_VIEW_SQL = `CREATE VIEW generations AS SELECT id, ${GENERATION_COLUMNS.map((c) => {
  const sql = unpackSql(c);
  return sql === c ? c : `${sql} AS ${c}`;
}).join(', ')}, ts_ms FROM ${PACKED_TABLE}`;

/**
 * Removes text no row refers to any more (after deletions), so deleted history does not linger in
 * the file as names of branches, workspaces or sessions. One pass over the rows: run it when the
 * file is compacted anyway.
 */
export const UNUSED_STRINGS_SQL = `DELETE FROM strings WHERE id NOT IN (${TEXT_REF_COLUMNS
  .map((c) => `SELECT ${c}_ref FROM ${PACKED_TABLE} WHERE ${c}_ref IS NOT NULL`).join(' UNION ')})`;

type StatementSource = (sql: string) => Statement;

const LOWER_HEX = /^(?:[0-9a-f]{2})+$/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LAST_MS = Date.UTC(10000, 0, 1);

/** A timestamp as normalize.toIso writes it, so that epoch ms give back exactly this text. */
function isCanonicalTime(v: string): boolean {
  if (!CANONICAL_TIME.test(v)) return false;
  const ms = Date.parse(v);
  return ms >= 0 && ms < LAST_MS && new Date(ms).toISOString() === v;
}
/** Entries kept in memory per database; chat sessions are the one kind of text that keeps growing. */
const STRING_CACHE_LIMIT = 20_000;

/**
 * Packs rows for the packed table, adding new text to `strings`. The id cache must be cleared
 * when a transaction rolls back (its new ids go with it).
 */
export class RowPacker {
  private readonly ids = new Map<string, number>();

  constructor(private readonly stmt: StatementSource) {}

  clear(): void {
    this.ids.clear();
  }

  /** A row's values (GENERATION_COLUMNS order, money in nano-dollars) in PACKED_COLUMNS order. */
  pack(values: readonly (string | number | null)[]): SqlValue[] {
    return values.map((v, i) => {
      if (v === null) return null;
      switch (CODECS[i]) {
        case 'time':
          return typeof v === 'string' && isCanonicalTime(v) ? Date.parse(v) : v;
        case 'ref':
          return typeof v === 'string' ? this.idOf(v) : v;
        case 'hex':
          return typeof v === 'string' && LOWER_HEX.test(v) ? Uint8Array.from(Buffer.from(v, 'hex')) : v;
        case 'plain':
          return v;
        default: {
          const n = (ENUMS[CODECS[i] as EnumColumn] as readonly string[]).indexOf(v as string);
          return n >= 0 ? n : v;
        }
      }
    });
  }

  private idOf(value: string): number {
    const known = this.ids.get(value);
    if (known !== undefined) return known;
    const find = this.stmt('SELECT id FROM strings WHERE value = ?');
    let id: number;
    try {
      find.bind([value]);
      id = find.step() ? (find.get()[0] as number) : -1;
    } finally {
      find.reset();
    }
    if (id < 0) {
      const add = this.stmt('INSERT INTO strings (value) VALUES (?) RETURNING id');
      try {
        add.bind([value]);
        add.step();
        id = add.get()[0] as number;
      } finally {
        add.reset();
      }
    }
    if (this.ids.size >= STRING_CACHE_LIMIT) this.ids.clear();
    this.ids.set(value, id);
    return id;
  }
}

/**
 * A packed record back to the row's values (GENERATION_COLUMNS order), as the view gives them:
 * for readers of the file without SQL (the CLI's page reader). `text` looks up a `strings` id.
 */
export function unpackValues(packed: readonly unknown[], text: (id: number) => string | undefined): (string | number | Uint8Array | null)[] {
  return packed.map((v, i) => {
    if (v === null || v === undefined) return null;
    const codec = CODECS[i];
    if (codec === 'time') return typeof v === 'number' ? (v >= 0 && v < LAST_MS ? new Date(v).toISOString() : null) : (v as string);
    if (codec === 'ref') return typeof v === 'number' ? text(v) ?? null : (v as string);
    if (codec === 'hex') return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : (v as string);
    if (codec === 'plain') return v as string | number;
    const words = ENUMS[codec] as readonly string[];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < words.length ? words[v] : (v as string);
  });
}
