/**
 * Schema v5: money as whole nano-dollars (see normalize.toNanos), and fewer indexes.
 *
 * The money columns' declared types become INTEGER in place (writable_schema, as v3 did for a
 * CHECK), every amount is converted once, and the rollups are rebuilt from the converted rows,
 * so they start as exact integer sums (the v4 float rollups carried their drift).
 *
 * A row's chain hash covers its stored values, which change here, so the chain is re-linked over
 * the new row hashes (chainRelink.ts: where the old links held, so damage stays visible).
 */
import { entryHashV5 } from './chain';
import { relinkChain } from './chainRelink';
import { COST_COLUMNS, GENERATION_COLUMNS, rowHash, toNanos } from './normalize';
import { rebuildRollups } from './rollups';
import type { Database } from './sqljs';

/** [table, declaration in v4, declaration in v5]. */
const MONEY_TYPES: [string, string, string][] = [
  ...COST_COLUMNS.map((c): [string, string, string] => ['generations', ` ${c} REAL,`, ` ${c} INTEGER,`]),
  ...['roll_slot', 'roll_hour', 'roll_day_model', 'roll_month_model'].map((t): [string, string, string] => [t, ' cost REAL NOT NULL,', ' cost INTEGER NOT NULL,']),
  ['roll_day_dim', ' cost REAL NOT NULL,', ' cost INTEGER NOT NULL,'],
  ['activity_daily', ' usage REAL NOT NULL,', ' usage INTEGER NOT NULL,'],
  ['activity_daily', ' byok_usage_inference REAL NOT NULL,', ' byok_usage_inference INTEGER NOT NULL,'],
];

/**
 * Fewer and smaller indexes, now that rollups answer the dashboard: nothing filters by user
 * (byUser reads `roll_day_dim`, its partial days go through the `ts` index), and only pending
 * rows are looked up by status, so the two full (column, ts) indexes give way to a partial index
 * of the few pending rows. The latency index keeps only what the per-model percentile query reads.
 */
const V5_INDEXES = `
DROP INDEX idx_generations_status;
DROP INDEX idx_generations_user;
CREATE INDEX idx_generations_pending ON generations (ts) WHERE status = 'pending';
DROP INDEX idx_generations_model_latency;
CREATE INDEX idx_generations_model_latency ON generations (model_used, ts, latency_ms) WHERE status = 'success' AND latency_ms IS NOT NULL;
`;

/** Changes declared column types in the stored CREATE TABLE text; each edit must match exactly once. */
function retypeColumns(db: Database, edits: [string, string, string][]): void {
  const version = db.exec('PRAGMA schema_version')[0].values[0][0] as number;
  db.exec('PRAGMA writable_schema = ON');
  try {
    for (const [table, from, to] of edits) {
      const sql = db.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table])[0]?.values[0]?.[0];
      const text = typeof sql === 'string' ? sql.replace(/\s+/g, ' ') : '';
      if (text.split(from).length !== 2) throw new Error(`${table} has an unexpected declaration (looking for "${from.trim()}")`);
      db.run("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", [text.replace(from, to), table]);
    }
    // A new schema cookie makes SQLite re-read the edited schema.
    db.exec(`PRAGMA schema_version = ${version + 1}`);
  } finally {
    db.exec('PRAGMA writable_schema = OFF');
  }
}

const toNanosOrNull = (v: unknown) => (typeof v === 'number' ? toNanos(v) : null);

export function migrateToV5(db: Database): void {
  retypeColumns(db, MONEY_TYPES);
  const costAt = COST_COLUMNS.map((c) => GENERATION_COLUMNS.indexOf(c));
  db.exec(`CREATE TEMP TABLE v5_rows (id INTEGER PRIMARY KEY, c0 INTEGER, c1 INTEGER, c2 INTEGER);
    CREATE TEMP TABLE v5_hashes (v4 BLOB PRIMARY KEY, v5 BLOB NOT NULL) WITHOUT ROWID;`);
  try {
    // 1. Each row: its v4 hash, its values in nano-dollars and their hash.
    const read = db.prepare(`SELECT id, ${GENERATION_COLUMNS.join(', ')} FROM generations`);
    const keep = db.prepare('INSERT INTO v5_rows VALUES (?,?,?,?)');
    const hashes = db.prepare('INSERT OR IGNORE INTO v5_hashes VALUES (?,?)');
    try {
      while (read.step()) {
        const [id, ...values] = read.get();
        const before = rowHash(values);
        const nanos = costAt.map((i) => toNanosOrNull(values[i]));
        costAt.forEach((i, k) => (values[i] = nanos[k]));
        keep.run([id, ...nanos]);
        hashes.run([before, rowHash(values)]);
      }
    } finally {
      read.free();
      keep.free();
      hashes.free();
    }
    db.exec(`UPDATE generations SET ${COST_COLUMNS.map((c, k) => `${c} = n.c${k}`).join(', ')} FROM temp.v5_rows AS n WHERE n.id = generations.id;
      UPDATE activity_daily SET usage = CAST(round(usage * 1e9) AS INTEGER), byok_usage_inference = CAST(round(byok_usage_inference * 1e9) AS INTEGER);`);

    // 2. The chain, re-linked over the new row hashes.
    const lookup = db.prepare('SELECT v5 FROM v5_hashes WHERE v4 = ?');
    try {
      relinkChain(db, {
        oldHash: (prev, e) => entryHashV5(prev, e.seq, e.kind, e.uid, e.gid, e.ts, e.row),
        newHash: (prev, e) => entryHashV5(prev, e.seq, e.kind, e.uid, e.gid, e.ts, e.row),
        newRowHash: (row) => {
          lookup.bind([row]);
          const found = lookup.step() ? (lookup.get()[0] as Uint8Array) : undefined;
          lookup.reset();
          return found;
        },
      });
    } finally {
      lookup.free();
    }
  } finally {
    db.exec('DROP TABLE temp.v5_rows; DROP TABLE temp.v5_hashes;');
  }
  rebuildRollups(db);
  db.exec(V5_INDEXES);
}
