/**
 * Opens the newest usable snapshot: `ledger.sqlite`, else `ledger.sqlite.prev`, else a new
 * empty database. A file that is damaged (bad header, failed `PRAGMA quick_check`, not a ledger)
 * is renamed `….corrupt-<time>` and reported; the journals then bring the older snapshot (or
 * the empty database) up to date. A file from a newer extension version is refused untouched.
 *
 * `PRAGMA quick_check` reads every page (seconds at a million rows), so it is skipped for the
 * file exactly as this ledger last wrote it: same snapshot id, size and mtime as `ledger.head`
 * records. Anything else — a file edited by another tool, copied, restored — is checked.
 */
import * as path from 'node:path';
import type { Logger } from '../util/logger';
import { LedgerDb } from './apply';
import type { ChainHead } from './chain';
import { LedgerVersionError, migrate } from './schema';
import { PREVIOUS_FILE, readHead, readSnapshotBytes, setAside, SNAPSHOT_FILE } from './snapshot';
import type { SqlJsStatic } from './sqljs';
import type { LedgerWarning } from './types';

export interface LoadedDatabase {
  ldb: LedgerDb;
  /** The chain head recorded when this snapshot was written, if it belongs to this snapshot. */
  anchor: ChainHead | null;
  /** Which file was used; undefined for a new database. */
  source: string | undefined;
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
      const snapshot = await readSnapshotBytes(file);
      if (!snapshot) continue;
      ldb = new LedgerDb(new sql.Database(snapshot.bytes));
      const id = snapshotIdOf(ldb);
      const unchanged = !!head && head.snapshotId === id && head.fileSize === snapshot.size && head.fileMtimeMs === snapshot.mtimeMs;
      if (!unchanged) quickCheck(ldb);
      migrate(ldb.db);
      if (name !== SNAPSHOT_FILE) logger.warn(`Loaded the previous snapshot ${name}; the journals bring it up to date.`);
      return { ldb, anchor: head && head.snapshotId === id ? head : null, source: name };
    } catch (err) {
      ldb?.close();
      if (err instanceof LedgerVersionError) throw err;
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
  if (check.length !== 1 || check[0] !== 'ok') throw new Error(`integrity check failed: ${check.slice(0, 3).join('; ')}`);
}

/** `meta.snapshot_id`; undefined for a database without one (new, or not a ledger). Throws on a damaged file. */
function snapshotIdOf(ldb: LedgerDb): string | undefined {
  if (!ldb.db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length) return undefined;
  const id = ldb.db.exec("SELECT value FROM meta WHERE key = 'snapshot_id'")[0]?.values[0]?.[0];
  return typeof id === 'string' ? id : undefined;
}
