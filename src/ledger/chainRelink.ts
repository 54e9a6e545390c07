/**
 * Re-linking the tamper-evidence chain when a migration changes what an entry hashes (v5: the
 * row hashes, as stored amounts became nano-dollars; v6: entries no longer hold the generation
 * id). It must not launder damage: an entry's hash is recomputed only when it was correct under
 * the old rule, and its row hash replaced only when the migration knows the new hash of that
 * exact row, so a row or an entry edited before the upgrade is still reported after it.
 *
 * The temporary table `chain_rehash` keeps the old and new hash of the last entry, so the head
 * `ledger.head` recorded for the file as it was still anchors the database the migration ran in.
 * It is TEMP on purpose: it lives only in that connection and is never saved, because a record in
 * the file would let whoever edits the file re-point the recorded head at a rewritten chain.
 */
import type { ChainHead } from './chain';
import type { Database } from './sqljs';

const REHASH_TABLE = 'temp.chain_rehash';

export interface ChainEntry {
  seq: number;
  kind: number;
  uid: string | null;
  gid: string | null;
  ts: number | null;
  row: Uint8Array | null;
}

export interface Relink {
  /** The entry's hash under the rule the file was written with. */
  oldHash(prev: Uint8Array | null, e: ChainEntry): Uint8Array;
  /** Its hash under the new rule, over its new row hash. */
  newHash(prev: Uint8Array | null, e: ChainEntry): Uint8Array;
  /** The new hash of a row whose old hash is `row`, when the migration knows it. */
  newRowHash?(row: Uint8Array): Uint8Array | undefined;
}

/** Rewrites `chain.row_hash` and `chain.hash` under the new rule (inside the migration's transaction). */
export function relinkChain(db: Database, rule: Relink): void {
  db.exec('CREATE TEMP TABLE relinked (seq INTEGER PRIMARY KEY, row_hash BLOB, hash BLOB NOT NULL)');
  try {
    const entries = db.prepare('SELECT seq, kind, uid, generation_id, ts, row_hash, hash FROM chain ORDER BY seq');
    const write = db.prepare('INSERT INTO temp.relinked VALUES (?,?,?)');
    let prevOld: Uint8Array | null = null;
    let prevNew: Uint8Array | null = null;
    let last: { seq: number; before: string; after: string } | undefined;
    try {
      while (entries.step()) {
        const [seq, kind, uid, gid, ts, row, hash] = entries.get() as [number, number, string | null, string | null, number | null, Uint8Array | null, Uint8Array];
        const entry: ChainEntry = { seq, kind, uid, gid, ts, row };
        const linked = Buffer.from(rule.oldHash(prevOld, entry)).equals(hash);
        const relinked: ChainEntry = { ...entry, row: (row && rule.newRowHash?.(row)) ?? row };
        const newHash: Uint8Array = linked ? rule.newHash(prevNew, relinked) : hash;
        write.run([seq, relinked.row, newHash]);
        last = { seq, before: Buffer.from(hash).toString('hex'), after: Buffer.from(newHash).toString('hex') };
        prevOld = hash;
        prevNew = newHash;
      }
    } finally {
      entries.free();
      write.free();
    }
    db.exec('UPDATE chain SET row_hash = n.row_hash, hash = n.hash FROM temp.relinked AS n WHERE n.seq = chain.seq');
    if (last) recordRehash(db, last);
  } finally {
    db.exec('DROP TABLE temp.relinked');
  }
}

/** Records the last entry's new hash; a second migration in the same connection extends the first's record. */
function recordRehash(db: Database, last: { seq: number; before: string; after: string }): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${REHASH_TABLE} (value TEXT NOT NULL)`);
  const earlier = readRehash(db);
  const record = earlier && earlier.seq === last.seq && earlier.after === last.before ? { ...last, before: earlier.before } : last;
  db.exec(`DELETE FROM ${REHASH_TABLE}`);
  db.run(`INSERT INTO ${REHASH_TABLE} (value) VALUES (?)`, [JSON.stringify(record)]);
}

function readRehash(db: Database): { seq: number; before: string; after: string } | undefined {
  const exists = db.exec("SELECT 1 FROM temp.sqlite_master WHERE name = 'chain_rehash'").length > 0;
  const json = exists ? db.exec(`SELECT value FROM ${REHASH_TABLE}`)[0]?.values[0]?.[0] : undefined;
  return typeof json === 'string' ? (JSON.parse(json) as { seq: number; before: string; after: string }) : undefined;
}

/**
 * The head `ledger.head` recorded for a snapshot written before a re-link names the old hash of
 * its last entry; when this connection migrated that snapshot, the entry now has the hash kept
 * in the temporary table. A file that needed no re-link has no such table here, and its head
 * stays as read.
 */
export function anchorAfterRehash<T extends ChainHead>(db: Database, anchor: T | null): T | null {
  if (!anchor) return anchor;
  const rehash = readRehash(db);
  return rehash && rehash.seq === anchor.seq && rehash.before === anchor.hash ? { ...anchor, hash: rehash.after } : anchor;
}
