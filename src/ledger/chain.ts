/**
 * Tamper evidence: a hash chain, in the order this database applied its changes.
 * "Verify Ledger Integrity" recomputes it on the files on disk (diskVerify.ts): the snapshot's
 * chain as written, extended by the journals past it in (writer, sequence) order, so every
 * window verifying the same files gets the same chain and head.
 *
 * Every insert and every update of a `generations` row appends an entry holding the row's
 * content hash (all columns); a deletion by date (retention, "delete before") appends one entry
 * with its cutoff. Each entry's hash covers the previous entry's hash, so editing a row, deleting
 * a row, or editing/removing entries shows up when `verifyChain` recomputes everything. A snapshot
 * copies the chain with the rows, so every database file carries a consistent chain.
 *
 * Limit (documented for users): without a secret, someone who rewrites rows *and* recomputes the
 * whole chain cannot be detected from the file alone. `ledger.head` (the chain head at the last
 * snapshot, kept next to the file) additionally catches a chain cut back to hide recent rows.
 */
import { createHash } from 'node:crypto';
import type { Database, Statement } from './sqljs';
import { GENERATION_COLUMNS, rowHash } from './normalize';

export const ChainKind = { insert: 1, update: 2, deleteBefore: 3 } as const;
export type ChainKindValue = (typeof ChainKind)[keyof typeof ChainKind];

export interface ChainHead {
  seq: number;
  hash: string; // hex
  /** Which snapshot this head was recorded for (`meta.snapshot_id`). */
  snapshotId?: string;
}

export interface IntegrityProblem {
  /** `file`: the file on disk could not be read as a ledger at all. */
  kind: 'altered' | 'removed' | 'added' | 'chain' | 'file';
  uid?: string;
  generationId?: string | null;
  seq?: number;
  /** For an altered row, when the window still holds the row as recorded: which columns differ. */
  columns?: { column: string; recorded: unknown; found: unknown }[];
  detail: string;
}

export interface IntegrityReport {
  ok: boolean;
  rowsChecked: number;
  chainEntries: number;
  problems: IntegrityProblem[];
  /** The head of the chain that was verified (the same in every window for the same files). */
  head?: ChainHead | null;
}

export interface VerifyChainOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Explains an altered row: returns the columns that differ from the row as recorded, if known. */
  explainAltered?: (uid: string, found: readonly unknown[], recordedHash: string) => IntegrityProblem['columns'];
  /** The generation id of a row missing from the database, if known elsewhere (chain entries do not hold it). */
  removedGenerationId?: (uid: string) => string | null | undefined;
}

/** Steps between yields to the event loop (so a cancel or another request is handled meanwhile). */
const YIELD_EVERY = 10_000;
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const err = new Error('Verification cancelled.');
  err.name = 'AbortError';
  throw err;
}

const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

/**
 * An entry's hash: the previous entry's hash and this entry's fields. The row's generation id is
 * part of the row hash; entries of schema ≤ 5 also held it themselves (`entryHashV5`).
 */
export function entryHash(prev: Uint8Array | null, seq: number, kind: number, uid: string | null, ts: number | null, row: Uint8Array | null): Uint8Array {
  return digest(prev, [seq, kind, uid, ts, toHex(row)]);
}

/** The hash of an entry as schemas 1–5 computed it (their migrations re-link the chain). */
export function entryHashV5(prev: Uint8Array | null, seq: number, kind: number, uid: string | null, gid: string | null, ts: number | null, row: Uint8Array | null): Uint8Array {
  return digest(prev, [seq, kind, uid, gid, ts, toHex(row)]);
}

function digest(prev: Uint8Array | null, fields: unknown[]): Uint8Array {
  const h = createHash('sha256');
  if (prev) h.update(prev);
  h.update(JSON.stringify(fields));
  return h.digest().subarray(0, 16);
}

type StatementSource = (sql: string) => Statement;

/** What an altered row's problem says: its differing columns when known. */
export function alteredDetail(columns: IntegrityProblem['columns']): string {
  return columns?.length
    ? columns.map((c) => `${c.column} is ${JSON.stringify(c.found)} in the file, ${JSON.stringify(c.recorded)} as recorded`).join('; ')
    : 'row content differs from what was recorded';
}

/** The last entry's sequence number and hash; null for an empty chain. */
export type RawHead = { seq: number; hash: Uint8Array } | null;

const HEAD_SQL = 'SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1';
const APPEND_SQL = 'INSERT INTO chain (seq, kind, uid, ts, row_hash, hash) VALUES (?,?,?,?,?,?)';

export function readRawHead(stmt: StatementSource): RawHead {
  const head = stmt(HEAD_SQL);
  try {
    if (!head.step()) return null;
    const [seq, hash] = head.get();
    return { seq: seq as number, hash: hash as Uint8Array };
  } finally {
    head.reset();
  }
}

/** Appends one entry after `head` (inside the caller's transaction); returns the new head. */
export function appendChainEntry(
  stmt: StatementSource,
  head: RawHead,
  kind: ChainKindValue,
  uid: string | null,
  tsMs: number | null,
  hashOfRow: Uint8Array | null,
): RawHead {
  const seq = (head?.seq ?? 0) + 1;
  const hash = entryHash(head?.hash ?? null, seq, kind, uid, tsMs, hashOfRow);
  stmt(APPEND_SQL).run([seq, kind, uid, tsMs, hashOfRow, hash]);
  return { seq, hash };
}

export function chainHead(db: Database): ChainHead | null {
  const r = db.exec(HEAD_SQL)[0]?.values[0];
  return r ? { seq: r[0] as number, hash: toHex(r[1] as Uint8Array) as string } : null;
}

interface Expected {
  hash: string;
  ts: number;
  seq: number;
}

/**
 * Recomputes the chain and every row hash. `anchor` is the head recorded at the last snapshot
 * this database was loaded from; the chain must still contain it unchanged.
 */
export async function verifyChain(db: Database, anchor: ChainHead | null, options: VerifyChainOptions = {}): Promise<IntegrityReport> {
  const { onProgress, signal } = options;
  throwIfCancelled(signal);
  const problems: IntegrityProblem[] = [];
  const expected = new Map<string, Expected>();
  const deletions: { seq: number; cutoff: number }[] = [];
  const total = (db.exec('SELECT (SELECT COUNT(*) FROM chain) + (SELECT COUNT(*) FROM generations)')[0].values[0][0] as number) || 1;
  let done = 0;
  const tick = async () => {
    if (++done % 50_000 === 0) onProgress?.(done, total);
    if (done % YIELD_EVERY === 0) {
      await yieldNow();
      throwIfCancelled(signal);
    }
  };

  let prevSeq = 0;
  let prevHash: Uint8Array | null = null;
  let entries = 0;
  let anchorSeen = false;
  const chain = db.prepare('SELECT seq, kind, uid, ts, row_hash, hash FROM chain ORDER BY seq');
  try {
    while (chain.step()) {
      await tick();
      entries++;
      const [seq, kind, uid, ts, row, hash] = chain.get() as [number, number, string | null, number | null, Uint8Array | null, Uint8Array];
      if (seq !== prevSeq + 1) {
        problems.push({ kind: 'chain', seq, detail: `chain entries ${prevSeq + 1}–${seq - 1} are missing` });
      } else if (toHex(entryHash(prevHash, seq, kind, uid, ts, row)) !== toHex(hash)) {
        problems.push({ kind: 'chain', seq, uid: uid ?? undefined, detail: `chain entry ${seq} was altered` });
      }
      if (anchor && seq === anchor.seq) {
        anchorSeen = true;
        if (toHex(hash) !== anchor.hash) problems.push({ kind: 'chain', seq, detail: `chain entry ${seq} differs from the head recorded at the last save` });
      }
      if (kind === 3 && ts !== null) deletions.push({ seq, cutoff: ts });
      else if (uid !== null && row !== null && ts !== null) expected.set(uid, { hash: toHex(row) as string, ts, seq });
      prevSeq = seq;
      prevHash = hash;
    }
  } finally {
    chain.free();
  }
  if (anchor && !anchorSeen) {
    problems.push({ kind: 'chain', seq: anchor.seq, detail: `the chain ends at ${prevSeq}, before the head recorded at the last save (${anchor.seq}): recent entries were cut off` });
  }

  // suffixMax[i]: the latest cutoff among deletions i… (in chain order).
  const suffixMax = deletions.map((d) => d.cutoff);
  for (let i = suffixMax.length - 2; i >= 0; i--) suffixMax[i] = Math.max(suffixMax[i], suffixMax[i + 1]);
  const deletedLater = (e: Expected) => {
    let lo = 0;
    let hi = deletions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (deletions[mid].seq > e.seq) hi = mid;
      else lo = mid + 1;
    }
    return lo < deletions.length && suffixMax[lo] > e.ts;
  };

  let rows = 0;
  const read = db.prepare(`SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations`);
  try {
    while (read.step()) {
      await tick();
      rows++;
      const values = read.get();
      const uid = values[0] as string;
      const gid = values[1] as string | null;
      const e = expected.get(uid);
      if (!e || deletedLater(e)) {
        problems.push({ kind: 'added', uid, generationId: gid, detail: 'row is not in the chain (inserted or restored outside the ledger)' });
        continue;
      }
      expected.delete(uid);
      if (toHex(rowHash(values)) !== e.hash) {
        const columns = options.explainAltered?.(uid, values, e.hash);
        problems.push({ kind: 'altered', uid, generationId: gid, ...(columns?.length ? { columns } : {}), detail: alteredDetail(columns) });
      }
    }
  } finally {
    read.free();
  }
  for (const [uid, e] of expected) {
    if (!deletedLater(e)) problems.push({ kind: 'removed', uid, generationId: options.removedGenerationId?.(uid) ?? undefined, seq: e.seq, detail: 'row recorded in the chain is missing' });
  }
  onProgress?.(total, total);
  const head = prevHash ? { seq: prevSeq, hash: toHex(prevHash) as string } : null;
  return { ok: problems.length === 0, rowsChecked: rows, chainEntries: entries, problems, head };
}
