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
import { readJournalFrom, readLinesFrom, type JournalRecord } from './journal';
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
 * back alone (savepoint) and its error returned in its place, the others still apply.
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
  private readonly tornReported = new Set<string>();
  /** How far compacted.log has been read. */
  private compactionLogOffset = 0;

  constructor(
    private readonly dir: string,
    private readonly ownId: string,
    private readonly logger: Logger,
    private readonly warn: (w: LedgerWarning) => void,
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
    for (const name of names) {
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
    const file = journalFile(this.dir, writer);
    const decoded = await readJournalFrom(file, pos.offset);
    if (!decoded) return [];
    for (const c of decoded.corrupt) {
      const message = `Skipped a damaged record in journal ${writer} at byte ${c.offset} (${c.reason}).`;
      this.logger.warn(message);
      this.warn({ kind: 'corrupt-journal-record', message });
    }
    if (decoded.partialBytes > 0 && writer !== this.ownId && isWriterDead(writer) && !this.tornReported.has(writer)) {
      this.tornReported.add(writer);
      const message = `Journal ${writer} ends with ${decoded.partialBytes} bytes of an unfinished record (its window was killed while writing); skipped.`;
      this.logger.warn(message);
      this.warn({ kind: 'torn-journal', message });
    }
    const fresh = decoded.records.filter((r) => r.seq > pos.seq);
    if (!fresh.length && decoded.consumed === pos.offset) return [];
    const next: JournalPosition = {
      seq: fresh.reduce((m, r) => Math.max(m, r.seq), pos.seq),
      offset: decoded.consumed,
      closed: fresh.some((r) => r.op.k === 'close'),
    };
    const db = ldb();
    db.transaction(() => {
      applyRecords(db, fresh, this.logger);
      db.recordJournalPosition(writer, next.seq, next.offset, next.closed);
    });
    this.positions.set(writer, next);
    return fresh.map((r) => r.op.k).filter((k) => k !== 'close');
  }

  /** Our own records were applied directly; keep the position in step. */
  recordOwn(position: JournalPosition): void {
    this.positions.set(this.ownId, position);
  }
}
