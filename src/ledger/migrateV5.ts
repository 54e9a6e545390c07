/**
 * Schema v5: money as whole nano-dollars (see normalize.toNanos), and fewer indexes.
 *
 * The money columns' declared types become INTEGER in place (writable_schema, as v3 did for a
 * CHECK), every amount is converted once, and the rollups are rebuilt from the converted rows,
 * so they start as exact integer sums (the v4 float rollups carried their drift).
 *
 * A row's chain hash covers its stored values, which change here, so the chain is re-hashed —
 * without laundering damage: an entry's row hash is replaced only when it equals the v4 hash of
 * the row as it is now (the row was as recorded), and an entry's own hash is recomputed only when
 * it was correct under v4. A row edited or a chain entry altered before the upgrade is therefore
 * still reported by "Verify Ledger Integrity" after it. The temporary table `chain_rehash_v5`
 * keeps the old and new hash of the last entry, so the head `ledger.head` recorded for the v4 file
 * still anchors the database this migration ran in. It is TEMP on purpose: it lives only in that
 * connection and is never saved, because a record in the file would let whoever edits the file
 * re-point the recorded head at a rewritten chain.
 */
import { entryHash, type ChainHead } from './chain';
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

const REHASH_TABLE = 'temp.chain_rehash_v5';

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
    CREATE TEMP TABLE v5_hashes (v4 BLOB PRIMARY KEY, v5 BLOB NOT NULL) WITHOUT ROWID;
    CREATE TEMP TABLE v5_chain (seq INTEGER PRIMARY KEY, row_hash BLOB, hash BLOB NOT NULL);`);
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

    // 2. The chain, re-linked over the new row hashes where the old links held.
    const entries = db.prepare('SELECT seq, kind, uid, generation_id, ts, row_hash, hash FROM chain ORDER BY seq');
    const lookup = db.prepare('SELECT v5 FROM v5_hashes WHERE v4 = ?');
    const write = db.prepare('INSERT INTO v5_chain VALUES (?,?,?)');
    let prevOld: Uint8Array | null = null;
    let prevNew: Uint8Array | null = null;
    let last: { seq: number; before: string; after: string } | undefined;
    try {
      while (entries.step()) {
        const [seq, kind, uid, gid, ts, row, hash] = entries.get() as [number, number, string | null, string | null, number | null, Uint8Array | null, Uint8Array];
        let newRow = row;
        if (row) {
          lookup.bind([row]);
          if (lookup.step()) newRow = lookup.get()[0] as Uint8Array;
          lookup.reset();
        }
        const linked = Buffer.from(entryHash(prevOld, seq, kind, uid, gid, ts, row)).equals(hash);
        const newHash: Uint8Array = linked ? entryHash(prevNew, seq, kind, uid, gid, ts, newRow) : hash;
        write.run([seq, newRow, newHash]);
        last = { seq, before: Buffer.from(hash).toString('hex'), after: Buffer.from(newHash).toString('hex') };
        prevOld = hash;
        prevNew = newHash;
      }
    } finally {
      entries.free();
      lookup.free();
      write.free();
    }
    db.exec('UPDATE chain SET row_hash = n.row_hash, hash = n.hash FROM temp.v5_chain AS n WHERE n.seq = chain.seq');
    db.exec(`CREATE TABLE IF NOT EXISTS ${REHASH_TABLE} (value TEXT NOT NULL); DELETE FROM ${REHASH_TABLE};`);
    if (last) db.run(`INSERT INTO ${REHASH_TABLE} (value) VALUES (?)`, [JSON.stringify(last)]);
  } finally {
    db.exec('DROP TABLE temp.v5_rows; DROP TABLE temp.v5_hashes; DROP TABLE temp.v5_chain;');
  }
  rebuildRollups(db);
  db.exec(V5_INDEXES);
}

/**
 * The head `ledger.head` recorded for a snapshot written before v5 names the v4 hash of its last
 * entry; when this connection migrated that snapshot, the entry now has the hash kept in the
 * temporary table. A file that was already v5 has no such table here, and its head stays as read.
 */
export function anchorAfterRehash<T extends ChainHead>(db: Database, anchor: T | null): T | null {
  if (!anchor) return anchor;
  const exists = db.exec("SELECT 1 FROM temp.sqlite_master WHERE name = 'chain_rehash_v5'").length > 0;
  const json = exists ? db.exec(`SELECT value FROM ${REHASH_TABLE}`)[0]?.values[0]?.[0] : undefined;
  if (typeof json !== 'string') return anchor;
  const rehash = JSON.parse(json) as { seq: number; before: string; after: string };
  return rehash.seq === anchor.seq && rehash.before === anchor.hash ? { ...anchor, hash: rehash.after } : anchor;
}
