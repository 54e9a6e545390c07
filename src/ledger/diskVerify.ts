/**
 * "Verify Ledger Integrity" checks what is on disk, not this window's memory: the newest snapshot
 * (`ledger.sqlite`, else `ledger.sqlite.prev`) is loaded into a separate sql.js database, every
 * journal past the offsets it records is replayed on top, and the chain and every row hash are
 * recomputed (chain.ts). So an edit made to the file while windows are open is reported, before
 * the next snapshot would overwrite it.
 *
 * Canonical order: the snapshot's chain is taken as written; the journals past it are replayed
 * writer by writer (sorted writer ids) and each in sequence order, so every window verifying the
 * same files computes the same chain and the same head (`IntegrityReport.head`). Existing ledgers
 * are unchanged by this: their chains are read, never rebuilt.
 *
 * Nothing here writes: a damaged file is reported (kind `file`), never set aside. An altered row
 * is compared with this window's copy of it when that copy still matches the chain, to say which
 * columns differ.
 */
import * as path from 'node:path';
import { silentLogger } from '../util/logger';
import { LedgerDb } from './apply';
import { alteredDetail, verifyChain, type IntegrityProblem, type IntegrityReport, type VerifyChainOptions } from './chain';
import { JournalFollower } from './follow';
import { GENERATION_COLUMNS, rowFromStored, rowHash } from './normalize';
import { anchorAfterRehash } from './chainRelink';
import { migrate } from './schema';
import { PREVIOUS_FILE, readHead, readSnapshotBytes, SNAPSHOT_FILE } from './snapshot';
import type { SqlJsStatic } from './sqljs';

export interface DiskVerifyOptions extends Pick<VerifyChainOptions, 'onProgress' | 'signal'> {
  /** This window's database, to name the columns of an altered row. */
  live?: LedgerDb;
  /** Without `live` (in the verification child process): each altered row, to be explained later by explainAlteredRows. */
  onAltered?: (row: AlteredRow) => void;
}

/** An altered row as found on disk, with the row hash the chain recorded for it. */
export interface AlteredRow {
  uid: string;
  found: unknown[];
  recordedHash: string;
}

/** A writer id no journal has: the follower then replays every journal, this window's own included. */
const NO_WRITER = '\u0000verify';

const fileProblem = (detail: string): IntegrityReport => ({
  ok: false, rowsChecked: 0, chainEntries: 0, problems: [{ kind: 'file', detail }], head: null,
});

export async function verifyOnDisk(sql: SqlJsStatic, dir: string, options: DiskVerifyOptions = {}): Promise<IntegrityReport> {
  for (let attempt = 0; ; attempt++) {
    const result = await loadFromDisk(sql, dir);
    if ('problem' in result) return fileProblem(result.problem);
    const { ldb, anchor, compactedMeanwhile } = result;
    try {
      // A journal compacted while it was being read is in the newer snapshot: read again.
      if (compactedMeanwhile && attempt < 2) continue;
      const removedGenerationId = options.live ? generationIdIn(options.live) : undefined;
      return await verifyChain(ldb.db, anchor, { ...options, explainAltered: explainer(options), removedGenerationId });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      return fileProblem(`The ledger files could not be read to the end (${(err as Error).message}).`);
    } finally {
      ldb.close();
    }
  }
}

type Loaded = { ldb: LedgerDb; anchor: Awaited<ReturnType<typeof readHead>>; compactedMeanwhile: boolean } | { problem: string };

async function loadFromDisk(sql: SqlJsStatic, dir: string): Promise<Loaded> {
  const follower = new JournalFollower(path.join(dir, 'journal'), NO_WRITER, silentLogger, () => undefined);
  await follower.skipPastCompactions();
  const head = await readHead(dir);
  let ldb: LedgerDb | undefined;
  let snapshotId: string | undefined;
  for (const name of [SNAPSHOT_FILE, PREVIOUS_FILE]) {
    let snapshot;
    try {
      snapshot = await readSnapshotBytes(path.join(dir, name));
    } catch (err) {
      return { problem: `${name} is damaged: ${(err as Error).message}.` };
    }
    if (!snapshot) continue;
    try {
      ldb = new LedgerDb(new sql.Database(snapshot.bytes));
      migrate(ldb.db);
      snapshotId = ldb.all("SELECT value FROM meta WHERE key = 'snapshot_id'")[0]?.[0] as string | undefined;
    } catch (err) {
      ldb?.close();
      return { problem: `${name} cannot be read as a ledger: ${(err as Error).message}.` };
    }
    break;
  }
  if (!ldb) {
    ldb = new LedgerDb(new sql.Database());
    migrate(ldb.db);
  }
  follower.reset(ldb);
  const current = ldb;
  const caught = await follower.catchUp(() => current, true).catch((err: Error) => {
    current.close();
    throw err;
  });
  return { ldb, anchor: anchorAfterRehash(ldb.db, head && head.snapshotId === snapshotId ? head : null), compactedMeanwhile: caught.vanished.length > 0 };
}

function explainer({ live, onAltered }: DiskVerifyOptions): VerifyChainOptions['explainAltered'] {
  if (live) return explainWith(live);
  if (!onAltered) return undefined;
  return (uid, found, recordedHash) => {
    onAltered({ uid, found: [...found], recordedHash });
    return undefined;
  };
}

/**
 * Completes what a verification child process found, from this window's copy: the differing
 * columns of altered rows, and the generation id of removed ones.
 */
export function explainAlteredRows(report: IntegrityReport, altered: readonly AlteredRow[], live: LedgerDb): IntegrityReport {
  const explain = explainWith(live);
  const removedGenerationId = generationIdIn(live);
  const byUid = new Map(altered.map((row) => [row.uid, row]));
  const problems = report.problems.map((problem) => {
    if (problem.kind === 'removed' && problem.uid !== undefined && !problem.generationId) {
      const generationId = removedGenerationId(problem.uid);
      return generationId ? { ...problem, generationId } : problem;
    }
    const row = problem.kind === 'altered' && problem.uid !== undefined ? byUid.get(problem.uid) : undefined;
    const columns = row && explain(row.uid, row.found, row.recordedHash);
    return columns?.length ? { ...problem, columns, detail: alteredDetail(columns) } : problem;
  });
  return { ...report, problems };
}

/** A row's generation id in the window's copy (a row removed from the file may still be there). */
function generationIdIn(live: LedgerDb): (uid: string) => string | null | undefined {
  return (uid) => live.all('SELECT generation_id FROM generations WHERE uid = ?', [uid])[0]?.[0] as string | null | undefined;
}

/** Names the differing columns when the window's copy of the row still hashes to what the chain recorded. */
function explainWith(live: LedgerDb): NonNullable<VerifyChainOptions['explainAltered']> {
  return (uid, found, recordedHash): IntegrityProblem['columns'] => {
    const values = live.all(`SELECT ${GENERATION_COLUMNS.join(', ')} FROM generations WHERE uid = ?`, [uid])[0];
    if (!values || Buffer.from(rowHash(values)).toString('hex') !== recordedHash) return undefined;
    // Shown as the rest of the extension shows rows: money in USD, not the stored nano-dollars.
    const [recorded, inFile] = [rowFromStored(values), rowFromStored(found)];
    return GENERATION_COLUMNS.flatMap((column, i) => (values[i] === found[i] ? [] : [{ column, recorded: recorded[column], found: inFile[column] }]));
  };
}

