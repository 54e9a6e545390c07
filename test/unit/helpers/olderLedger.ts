/**
 * Rows written the way ledgers before schema v6 wrote them, for migration tests: straight into the
 * `generations` table, each with a chain entry that holds its generation id (chain.entryHashV5).
 * No rollups; the caller builds them if the version it writes had them.
 */
import { ChainKind, entryHashV5, readRawHead } from '../../../src/ledger/chain';
import { GENERATION_COLUMNS, normalizeGeneration, rowHash } from '../../../src/ledger/normalize';
import type { Database, Statement } from '../../../src/ledger/sqljs';
import type { GenerationInput, StoredGeneration } from '../../../src/ledger/types';

/** Appends `inputs` after the chain's current head; `valuesOf` gives the stored values of that version. */
export function insertRowsAsOlderVersion(db: Database, inputs: GenerationInput[], valuesOf: (row: StoredGeneration) => unknown[]): void {
  const statements = new Map<string, Statement>();
  const stmt = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;
  const insert = stmt(`INSERT INTO generations (${GENERATION_COLUMNS.join(', ')}) VALUES (${GENERATION_COLUMNS.map(() => '?').join(', ')})`);
  const chain = stmt('INSERT INTO chain (seq, kind, uid, generation_id, ts, row_hash, hash) VALUES (?,?,?,?,?,?,?)');
  let head = readRawHead(stmt);
  try {
    for (const input of inputs) {
      const r = normalizeGeneration(input);
      const values = valuesOf(r) as (string | number | null)[];
      insert.run(values);
      const seq = (head?.seq ?? 0) + 1;
      const hash = entryHashV5(head?.hash ?? null, seq, ChainKind.insert, r.uid, r.generation_id, Date.parse(r.ts), rowHash(values));
      chain.run([seq, ChainKind.insert, r.uid, r.generation_id, Date.parse(r.ts), rowHash(values), hash]);
      head = { seq, hash };
    }
  } finally {
    for (const s of statements.values()) s.free();
  }
}
