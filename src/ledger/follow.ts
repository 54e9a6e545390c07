/**
 * Following the journals: every window applies the records other windows append (and, at load,
 * every record a snapshot does not yet contain). A database remembers per writer the highest
 * sequence number it applied and the byte offset it read to (`journal_state`, saved inside each
 * snapshot), so a record is applied exactly once per database however often it is read.
 * Reading order across journals is not causal, so an update may arrive before its row; apply.ts
 * keeps such updates until the row arrives.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../util/logger';
import type { LedgerDb } from './apply';
import { JOURNAL_FORMAT_VERSION, readJournalFrom, readLinesFrom, type JournalRecord } from './journal';
import { isPidAlive } from './lock';
import type { LedgerWarning } from './types';

export interface JournalPosition {
  seq: number;
  offset: number;
  closed: boolean;
}

export interface CatchUp {
  writers: string[];
  kinds: string[];
  /** Journals that were compacted away before this database had applied all of them. */
  vanished: string[];
}

const JOURNAL_SUFFIX = '.jsonl';
const HOST_TAG = os.hostname().replace(/[^A-Za-z0-9]/g, '').slice(0, 24) || 'host';

/** `<pid>-<random>-<host>`: unique per open ledger, and tells a later window whether its writer still runs. */
export function newWriterId(random: string): string {
  return `${process.pid}-${random}-${HOST_TAG}`;
}

/** True when the writer ran on this machine and its process is gone. */
export function isWriterDead(writerId: string): boolean {
  const m = /^(\d+)-[A-Za-z0-9_]+-(.+)$/.exec(writerId);
  return !!m && m[2] === HOST_TAG && !isPidAlive(Number(m[1]));
}

export function journalFile(dir: string, writerId: string): string {
  return path.join(dir, `${writerId}${JOURNAL_SUFFIX}`);
}

/**
 * `compacted.log`, next to the journals: one `{"w":writer,"offset":bytes}` line per journal the
 * snapshot writer deleted, written (and fsynced) before the deletion. A window that finds an
 * entry for a journal it has not applied up to that offset reloads from the snapshot, which
 * contains it — however long it was asleep.
 */
const COMPACTION_LOG = 'compacted.log';

export async function recordCompaction(dir: string, writer: string, offset: number): Promise<void> {
  const handle = await fs.open(path.join(dir, COMPACTION_LOG), 'a');
  try {
    await handle.write(`${JSON.stringify({ w: writer, offset })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Applies records one by one inside the caller's transaction; a record that fails is rolled
 * back alone (savepoint) and its error returned in its place, the others still apply. (Own
 * records: the failure goes back to the caller of `append`. Followed journals stop at the first
 * failure instead; see JournalFollower.)
 */
export function applyRecords(ldb: LedgerDb, records: JournalRecord[], logger: Logger): unknown[] {
  return records.map((r) => {
    try {
      return ldb.savepoint(() => ldb.apply(r.op));
    } catch (err) {
      logger.error(`Could not apply journal record ${r.seq} (${r.op.k}): ${(err as Error).message}`);
      return err instanceof Error ? err : new Error(String(err));
    }
  });
}

export class JournalFollower {
  positions = new Map<string, JournalPosition>();
  /**
   * Journals this database cannot follow past its position: a line from a newer version (not
   * read again until a reload), or a record that failed to apply (retried at every catch-up).
   * Such a journal must not be compacted: its unread lines may exist nowhere else.
   */
  readonly blocked = new Map<string, { offset: number; retry: boolean }>();
  private readonly tornReported = new Set<string>();
  /** How far compacted.log has been read. */
  private compactionLogOffset = 0;

  constructor(
    private readonly dir: string,
    private readonly ownId: string,
    private readonly logger: Logger,
    private readonly warn: (w: LedgerWarning) => void,
    /** The newest journal format this reader understands (tests play a newer version with it). */
    private readonly formatVersion = JOURNAL_FORMAT_VERSION,
  ) {}

  /**
   * Compactions logged before this moment are contained in any snapshot loaded after it; call
   * this before loading the snapshot.
   */
  async skipPastCompactions(): Promise<void> {
    const stat = await fs.stat(path.join(this.dir, COMPACTION_LOG)).catch(() => undefined);
    this.compactionLogOffset = stat?.size ?? 0;
  }

  /** Starts over from the positions stored in a (newly loaded) database. */
  reset(ldb: LedgerDb): void {
    this.positions = new Map(
      ldb.all('SELECT writer_id, seq, byte_offset, closed FROM journal_state').map(([w, seq, offset, closed]) => [
        w as string, { seq: seq as number, offset: offset as number, closed: closed === 1 },
      ]),
    );
  }

  /** Applies every new record of other writers' journals (and our own when `includeOwn`). */
  async catchUp(ldb: () => LedgerDb, includeOwn = false): Promise<CatchUp> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') names = [];
      else throw err;
    }
    const result: CatchUp = { writers: [], kinds: [], vanished: await this.unreadCompactions() };
    // Sorted: every database replays the same files in the same (writer, sequence) order (diskVerify.ts).
    for (const name of names.sort()) {
      if (!name.endsWith(JOURNAL_SUFFIX)) continue;
      const writer = name.slice(0, -JOURNAL_SUFFIX.length);
      if (writer === this.ownId && !includeOwn) continue;
      const kinds = await this.follow(writer, ldb);
      if (kinds.length) {
        result.writers.push(writer);
        for (const k of kinds) if (!result.kinds.includes(k)) result.kinds.push(k);
      }
    }
    return result;
  }

  /** Writers whose journals were compacted beyond what this database applied. */
  private async unreadCompactions(): Promise<string[]> {
    const decoded = await readLinesFrom(path.join(this.dir, COMPACTION_LOG), this.compactionLogOffset);
    if (!decoded) return [];
    this.compactionLogOffset = decoded.consumed;
    const missed: string[] = [];
    for (const line of decoded.lines) {
      try {
        const { w, offset } = JSON.parse(line) as { w: string; offset: number };
        if ((this.positions.get(w)?.offset ?? 0) < offset) missed.push(w);
      } catch {
        this.logger.warn(`Ignored a damaged line in ${COMPACTION_LOG}.`);
      }
    }
    return missed;
  }

  private async follow(writer: string, ldb: () => LedgerDb): Promise<string[]> {
    const pos = this.positions.get(writer) ?? { seq: 0, offset: 0, closed: false };
    if (pos.closed) return [];
    const stuck = this.blocked.get(writer);
    if (stuck && !stuck.retry) return [];
    const file = journalFile(this.dir, writer);
    const decoded = await readJournalFrom(file, pos.offset, this.formatVersion);
    if (!decoded) return [];
    if (decoded.stop) {
      this.block(writer, decoded.stop.offset, false, 'journal-newer',
        `Journal ${writer} holds a record ${decoded.stop.reason}: it was written by a newer version of OpenRouter Ledger in another window. This window stops reading that journal there (nothing is skipped or deleted); update the extension and reload the window to see those requests.`);
    }
    if (decoded.partialBytes > 0 && writer !== this.ownId && isWriterDead(writer) && !this.tornReported.has(writer)) {
      this.tornReported.add(writer);
      const message = `Journal ${writer} ends with ${decoded.partialBytes} bytes of an unfinished record (its window was killed while writing); skipped.`;
      this.logger.warn(message);
      this.warn({ kind: 'torn-journal', message });
    }
    const fresh = decoded.records.filter((r) => r.seq > pos.seq);
    if (!fresh.length && decoded.consumed === pos.offset) return [];
    const db = ldb();
    const { applied, failure, next } = db.transaction(() => {
      const done: JournalRecord[] = [];
      let failed: { record: JournalRecord; err: Error } | undefined;
      for (const r of fresh) {
        try {
          db.savepoint(() => db.apply(r.op));
        } catch (err) {
          failed = { record: r, err: err as Error };
          break;
        }
        done.push(r);
      }
      // A failed record is retried from its own line at the next catch-up: the position stays before it.
      const position: JournalPosition = {
        seq: done.reduce((m, r) => Math.max(m, r.seq), pos.seq),
        offset: failed ? (failed.record.start ?? pos.offset) : decoded.consumed,
        closed: done.some((r) => r.op.k === 'close'),
      };
      db.recordJournalPosition(writer, position.seq, position.offset, position.closed);
      return { applied: done, failure: failed, next: position };
    });
    this.positions.set(writer, next);
    // Lines past a failed record are read again at the retry: report their damage once, when passed.
    for (const c of decoded.corrupt.filter((line) => line.offset < next.offset)) {
      const message = `Skipped a damaged record in journal ${writer} at byte ${c.offset} (${c.reason}).`;
      this.logger.warn(message);
      this.warn({ kind: 'corrupt-journal-record', message });
    }
    if (failure) {
      this.block(writer, next.offset, true, 'journal-apply-failed',
        `Could not apply record ${failure.record.seq} (${failure.record.op.k}) of journal ${writer}: ${failure.err.message}. It is retried, and the records after it wait for it.`);
    } else if (!decoded.stop) {
      this.blocked.delete(writer);
    }
    return applied.map((r) => r.op.k).filter((k) => k !== 'close');
  }

  /** Notes that `writer`'s journal cannot be followed past `offset`; says so once per line. */
  private block(writer: string, offset: number, retry: boolean, kind: 'journal-newer' | 'journal-apply-failed', message: string): void {
    const known = this.blocked.get(writer);
    this.blocked.set(writer, { offset, retry });
    if (known?.offset === offset && known.retry === retry) return;
    this.logger.warn(message);
    this.warn({ kind, message });
  }

  /** Our own records were applied directly; keep the position in step. */
  recordOwn(position: JournalPosition): void {
    this.positions.set(this.ownId, position);
  }
}
