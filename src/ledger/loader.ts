/**
 * Opens the newest usable snapshot: `ledger.sqlite`, else `ledger.sqlite.prev`, else a new
 * empty database. Only damage may set a file aside: a bad header, SQLite's own corruption errors
 * (SQLITE_CORRUPT, SQLITE_NOTADB) or a failed `PRAGMA quick_check`. Such a file is renamed
 * `….corrupt-<time>` and reported; the journals then bring
 * the older snapshot (or the empty database) up to date. Anything else — the file cannot be read
 * (EACCES, EBUSY, EISDIR, EMFILE…), memory ran out, a migration failed — is trouble, not damage:
 * the open fails with a message saying so and nothing on disk changes. A file from a newer
 * extension version is refused untouched, and so is a sound SQLite file that is not a ledger
 * (someone else's database at our path is not damage: it is not ours to move or overwrite).
 *
 * `PRAGMA quick_check` reads every page (seconds at a million rows), so it is skipped for the
 * file exactly as this ledger last wrote it: same snapshot id, size and mtime as `ledger.head`
 * records. Anything else — a file edited by another tool, copied, restored — is checked.
 */
import * as path from 'node:path';
import type { Logger } from '../util/logger';
import { LedgerDb } from './apply';
import type { ChainHead } from './chain';
import { anchorAfterRehash } from './chainRelink';
import { LedgerVersionError, migrate, SCHEMA_VERSION, schemaVersion } from './schema';
import { PREVIOUS_FILE, readHead, readSnapshotBytes, setAside, SNAPSHOT_FILE, SnapshotHeaderError } from './snapshot';
import type { SqlJsStatic } from './sqljs';
import type { LedgerWarning } from './types';

export interface LoadedDatabase {
  ldb: LedgerDb;
  /** The chain head recorded when this snapshot was written, if it belongs to this snapshot. */
  anchor: ChainHead | null;
  /** Which file was used; undefined for a new database. */
  source: string | undefined;
  /** The file was at an older schema and was migrated in memory: it should be saved (and compacted) once. */
  migrated?: boolean;
}

/** Why the ledger could not be opened although its files may be fine; nothing was changed on disk. */
export class LedgerOpenError extends Error {
  override readonly name = 'LedgerOpenError';
}

/** A reason to believe the file's content is damaged (as opposed to trouble reading it). */
class DamagedFileError extends Error {}

/** A sound SQLite file without the ledger's tables. */
class NotALedgerError extends Error {}

/** SQLite's own messages for SQLITE_CORRUPT and SQLITE_NOTADB (sql.js passes only the message). */
const SQLITE_DAMAGE = /database disk image is malformed|file is not a database|malformed database schema/i;

function isDamage(err: unknown): boolean {
  return err instanceof DamagedFileError || (err instanceof Error && SQLITE_DAMAGE.test(err.message));
}

export async function loadDatabase(
  sql: SqlJsStatic,
  dir: string,
  logger: Logger,
  warn: (w: LedgerWarning) => void,
): Promise<LoadedDatabase> {
  for (const name of [SNAPSHOT_FILE, PREVIOUS_FILE]) {
    const file = path.join(dir, name);
    let ldb: LedgerDb | undefined;
    try {
      const head = await readHead(dir);
      let snapshot: Awaited<ReturnType<typeof readSnapshotBytes>>;
      try {
        snapshot = await readSnapshotBytes(file);
      } catch (err) {
        if (err instanceof SnapshotHeaderError) throw new DamagedFileError(err.message);
        throw err;
      }
      if (!snapshot) continue;
      ldb = new LedgerDb(new sql.Database(snapshot.bytes));
      const id = snapshotIdOf(ldb);
      const unchanged = !!head && head.snapshotId === id && head.fileSize === snapshot.size && head.fileMtimeMs === snapshot.mtimeMs;
      if (!unchanged) quickCheck(ldb);
      const migrated = migrate(ldb.db) < SCHEMA_VERSION;
      if (name !== SNAPSHOT_FILE) logger.warn(`Loaded the previous snapshot ${name}; the journals bring it up to date.`);
      return { ldb, anchor: anchorAfterRehash(ldb.db, head && head.snapshotId === id ? head : null), source: name, migrated };
    } catch (err) {
      ldb?.close();
      if (err instanceof LedgerVersionError) throw err;
      if (err instanceof NotALedgerError) {
        const message = `The file ${name} in the ledger folder is an SQLite database but not an OpenRouter Ledger (${err.message}). It was left untouched and the ledger was not opened: move that file elsewhere and reload the window.`;
        logger.error(message);
        throw new LedgerOpenError(message, { cause: err });
      }
      if (!isDamage(err)) {
        const message = `The ledger file ${name} could not be read (${(err as Error).message}). Nothing was changed on disk: no request is lost. Fix what stops it from being read (permissions, another program holding it, free memory) and reload the window.`;
        logger.error(message);
        throw new LedgerOpenError(message, { cause: err });
      }
      const setAsidePath = await setAside(file).catch(() => undefined);
      const message = `The ledger file ${name} is damaged (${(err as Error).message}). ${
        setAsidePath ? `It was kept as ${path.basename(setAsidePath)}` : 'It could not be moved aside'
      } and the ledger was rebuilt from the previous snapshot and the journals.`;
      logger.error(message);
      warn({ kind: 'corrupt-snapshot', message, setAsidePath });
    }
  }
  const ldb = new LedgerDb(new sql.Database());
  migrate(ldb.db);
  return { ldb, anchor: null, source: undefined };
}

function quickCheck(ldb: LedgerDb): void {
  const check = ldb.db.exec('PRAGMA quick_check')[0]?.values.map((r) => r[0]) ?? [];
  if (check.length !== 1 || check[0] !== 'ok') throw new DamagedFileError(`integrity check failed: ${check.slice(0, 3).join('; ')}`);
}

/**
 * `meta.snapshot_id`; undefined for a database without one (new). Throws on a damaged file, and
 * NotALedgerError on a sound SQLite file that is not a ledger.
 */
function snapshotIdOf(ldb: LedgerDb): string | undefined {
  try {
    schemaVersion(ldb.db);
  } catch (err) {
    if (err instanceof Error && /not an OpenRouter Ledger database/.test(err.message)) throw new NotALedgerError(err.message);
    throw err;
  }
  if (!ldb.db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length) return undefined;
  const id = ldb.db.exec("SELECT value FROM meta WHERE key = 'snapshot_id'")[0]?.values[0]?.[0];
  return typeof id === 'string' ? id : undefined;
}
