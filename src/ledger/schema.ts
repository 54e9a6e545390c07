/**
 * The ledger schema and its forward migrations.
 *
 * `schema_version` holds one row with the version the file is at; migration N takes a file from
 * version N-1 to N inside one transaction, so a file is always at a whole version. A file from
 * a newer extension is refused rather than guessed at (and never overwritten).
 *
 * v1: the raw tables — generations, the tamper-evidence chain, journal bookkeeping (positions
 *     and updates that arrived before their row), activity, credit snapshots, the price cache.
 * v2: maintained rollups (hourly and 15-minute totals, per-day/month-and-model totals with a latency histogram,
 *     per-day user / workspace-branch / error counts) and a covering index for exact
 *     percentiles. Raw aggregates over a million rows took seconds in sql.js; the dashboard
 *     needs them in milliseconds. The migration builds the rollups from the existing rows.
 * v3: a row is written when its request is sent, so `status` also allows `pending` (in flight)
 *     and `interrupted` (its window died first); `pending_owner` says which writer (journal) owns
 *     each row still pending, so a later window can tell a dead writer's rows from a live one's.
 *     The CHECK is widened in place (writable_schema: the documented way to change a CHECK
 *     without rewriting the table), so the migration costs nothing at a million rows.
 * v4: `roll_day_dim` also counts per chat session (`ses`) and per tag (`tag`), so the
 *     dashboard's session and tag tables read rollups instead of every raw row of the range.
 *     The migration adds both from the existing rows in two aggregate statements. A partial index
 *     on the few rows without a cost keeps "N requests of unknown cost" a lookup, not a scan.
 * v5: money is exact: every stored and summed amount (the cost columns of `generations`, every
 *     rollup's `cost`, `activity_daily` usage) is whole nano-dollars (INTEGER), so rollups are
 *     integer sums that cannot drift and an emptied period is exactly 0. Journals still carry USD;
 *     amounts are converted when applied (migrateV5.ts has the migration and its chain re-hash).
 *     Fewer indexes, now that rollups answer the dashboard: none per status or per user (a partial
 *     index holds the pending rows), and the latency index keeps only successful rows' latencies.
 * v6: rows are packed — integer timestamps, repeated text in `strings`, small codes for the
 *     enumerations — into `generations_packed`, and `generations` is a view giving back exactly
 *     the v5 columns (packedRows.ts); chain entries no longer repeat the generation id. About
 *     330 bytes per request instead of 563 at a million rows (migrateV6.ts).
 */
import type { Database } from './sqljs';
import { migrateToV5 } from './migrateV5';
import { migrateToV6 } from './migrateV6';
import { rebuildRollups } from './rollups';
import { UNCOSTED_INDEX } from './queryParts';

export const SCHEMA_VERSION = 6;

const V1 = `
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE generations (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  generation_id TEXT UNIQUE,
  ts TEXT NOT NULL,
  model_requested TEXT NOT NULL,
  model_used TEXT,
  provider TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  reasoning_tokens INTEGER,
  cached_tokens INTEGER,
  total_cost REAL,
  upstream_inference_cost REAL,
  cache_discount REAL,
  is_byok INTEGER,
  cost_source TEXT NOT NULL CHECK (cost_source IN ('usage','generation','estimate')),
  latency_ms REAL,
  ttft_ms REAL,
  generation_time_ms REAL,
  status TEXT NOT NULL CHECK (status IN ('success','error','timeout','cancelled')),
  error_code TEXT,
  http_status INTEGER,
  finish_reason TEXT,
  streamed INTEGER,
  user_id TEXT,
  tags TEXT,
  workspace TEXT,
  git_branch TEXT,
  prompt_hash TEXT,
  prompt_text TEXT,
  key_label TEXT,
  chat_session TEXT,
  origin TEXT NOT NULL DEFAULT 'extension',
  backfill TEXT NOT NULL DEFAULT 'none'
);
CREATE INDEX idx_generations_ts ON generations (ts);
CREATE INDEX idx_generations_model ON generations (model_used, ts);
CREATE INDEX idx_generations_user ON generations (user_id, ts);
CREATE INDEX idx_generations_status ON generations (status, ts);
CREATE INDEX idx_generations_backfill ON generations (ts) WHERE backfill = 'pending';
CREATE TABLE chain (
  seq INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  uid TEXT,
  generation_id TEXT,
  ts INTEGER,
  row_hash BLOB,
  hash BLOB NOT NULL
);
CREATE TABLE journal_state (
  writer_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE deferred_updates (
  id INTEGER PRIMARY KEY,
  uid TEXT,
  generation_id TEXT,
  set_json TEXT NOT NULL
);
CREATE TABLE activity_daily (
  date TEXT NOT NULL,
  model TEXT NOT NULL,
  model_permaslug TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  provider_name TEXT,
  usage REAL NOT NULL,
  byok_usage_inference REAL NOT NULL,
  requests INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  workspace_id TEXT,
  key_hash TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (date, model_permaslug, endpoint_id, key_hash)
);
CREATE TABLE credit_snapshots (
  id INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  key_label TEXT,
  credit_limit REAL,
  limit_remaining REAL,
  usage REAL,
  usage_daily REAL,
  usage_weekly REAL,
  usage_monthly REAL,
  byok_usage REAL,
  total_credits REAL,
  total_usage REAL
);
CREATE INDEX idx_credit_snapshots_ts ON credit_snapshots (ts);
CREATE TABLE model_prices (
  model_id TEXT PRIMARY KEY,
  info_json TEXT NOT NULL,
  fetched_at TEXT NOT NULL
);
`;

const V2 = `
DROP INDEX idx_generations_model;
CREATE INDEX idx_generations_model_latency ON generations (model_used, status, ts, latency_ms);
CREATE TABLE roll_slot (
  slot INTEGER PRIMARY KEY,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  cost REAL NOT NULL, latency_n INTEGER NOT NULL, latency_sum REAL NOT NULL
);
CREATE TABLE roll_hour (
  hour INTEGER PRIMARY KEY,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  cost REAL NOT NULL, latency_n INTEGER NOT NULL, latency_sum REAL NOT NULL
);
CREATE TABLE roll_day_model (
  day TEXT NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  cost REAL NOT NULL, latency_n INTEGER NOT NULL, latency_sum REAL NOT NULL, latency_sumsq REAL NOT NULL,
  latency_hist BLOB NOT NULL,
  PRIMARY KEY (day, model)
) WITHOUT ROWID;
CREATE TABLE roll_month_model (
  month TEXT NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  cost REAL NOT NULL, latency_n INTEGER NOT NULL, latency_sum REAL NOT NULL, latency_sumsq REAL NOT NULL,
  latency_hist BLOB NOT NULL,
  PRIMARY KEY (month, model)
) WITHOUT ROWID;
CREATE TABLE roll_day_dim (
  day TEXT NOT NULL, dim TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, tokens INTEGER NOT NULL, cost REAL NOT NULL,
  PRIMARY KEY (day, dim, k1, k2)
) WITHOUT ROWID;
`;

const V2_STATUS_CHECK = "CHECK (status IN ('success','error','timeout','cancelled'))";
const V3_STATUS_CHECK = "CHECK (status IN ('success','error','timeout','cancelled','pending','interrupted'))";

function migrateToV3(db: Database): void {
  const version = db.exec('PRAGMA schema_version')[0].values[0][0] as number;
  db.exec('PRAGMA writable_schema = ON');
  try {
    db.run("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'generations'", [V2_STATUS_CHECK, V3_STATUS_CHECK]);
    // A new schema cookie makes SQLite re-read the edited schema.
    db.exec(`PRAGMA schema_version = ${version + 1}`);
  } finally {
    db.exec('PRAGMA writable_schema = OFF');
  }
  const widened = db.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'generations'")[0]?.values[0]?.[0];
  if (typeof widened !== 'string' || !widened.includes(V3_STATUS_CHECK)) throw new Error('generations.status has an unexpected CHECK constraint');
  db.exec('CREATE TABLE pending_owner (uid TEXT PRIMARY KEY, writer_id TEXT NOT NULL) WITHOUT ROWID');
}

/** The same contributions as rollups.RollupDelta.add for `ses` and `tag`, computed by SQLite in one pass each. */
const V4_SESSION_TAG_ROLLUPS = `
DELETE FROM roll_day_dim WHERE dim IN ('ses', 'tag');
INSERT INTO roll_day_dim
  SELECT substr(ts, 1, 10), 'ses', COALESCE(chat_session, ''), '', COUNT(*),
    SUM(CASE WHEN status IN ('error','timeout') THEN 1 ELSE 0 END), TOTAL(prompt_tokens) + TOTAL(completion_tokens), TOTAL(total_cost)
  FROM generations GROUP BY 1, 3;
INSERT INTO roll_day_dim
  SELECT substr(g.ts, 1, 10), 'tag', t.value, '', COUNT(*),
    SUM(CASE WHEN g.status IN ('error','timeout') THEN 1 ELSE 0 END), TOTAL(g.prompt_tokens) + TOTAL(g.completion_tokens), TOTAL(g.total_cost)
  FROM generations AS g, json_each(g.tags) AS t
  WHERE g.tags IS NOT NULL AND json_valid(g.tags) AND json_type(g.tags) = 'array' AND t.type = 'text'
  GROUP BY 1, 3;
CREATE INDEX ${UNCOSTED_INDEX} ON generations (ts) WHERE total_cost IS NULL;
`;

/** MIGRATIONS[i] takes a file from version i to i + 1. */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  (db) => db.exec(V1),
  (db) => {
    db.exec(V2);
    rebuildRollups(db);
  },
  migrateToV3,
  (db) => db.exec(V4_SESSION_TAG_ROLLUPS),
  migrateToV5,
  migrateToV6,
];

export class LedgerVersionError extends Error {
  override readonly name = 'LedgerVersionError';
}

/** Version of a file; 0 for an empty database. */
export function schemaVersion(db: Database): number {
  const hasTable = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!hasTable.length) {
    const anyTable = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1");
    if (anyTable.length) throw new Error('not an OpenRouter Ledger database (no schema_version table)');
    return 0;
  }
  const rows = db.exec('SELECT version FROM schema_version');
  const version = rows[0]?.values[0]?.[0];
  if (typeof version !== 'number') throw new Error('schema_version holds no version');
  return version;
}

/** Brings `db` forward to `target` (default: current); returns the version it started at. */
export function migrate(db: Database, target = SCHEMA_VERSION): number {
  const start = schemaVersion(db);
  if (start > SCHEMA_VERSION) {
    throw new LedgerVersionError(
      `The ledger was written by a newer version of OpenRouter Ledger (schema ${start}, this version reads up to ${SCHEMA_VERSION}). Update the extension; the file was left untouched.`,
    );
  }
  for (let version = start; version < target; version++) {
    db.exec('BEGIN');
    try {
      MIGRATIONS[version](db);
      db.run('UPDATE schema_version SET version = ?', [version + 1]);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return start;
}
