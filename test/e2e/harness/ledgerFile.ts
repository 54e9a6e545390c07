/**
 * Reads the extension's ledger file as it is on disk (a real SQLite file, opened with sql.js), so a
 * suite checks what was recorded, not what the extension says it recorded.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../../src/ledger/sqljs';

/** The `generations` rows, oldest first, with the given columns. */
export async function ledgerRows<Row = Record<string, unknown>>(file: string, columns: readonly string[]): Promise<Row[]> {
  const SQL = await loadSqlJs(path.resolve('node_modules/sql.js/dist/sql-wasm.wasm'));
  const db = new SQL.Database(readFileSync(file));
  try {
    const result = db.exec(`SELECT ${columns.join(', ')} FROM generations ORDER BY ts`);
    if (!result.length) return [];
    const { columns: names, values } = result[0];
    return values.map((v) => Object.fromEntries(names.map((c, i) => [c, v[i]])) as Row);
  } finally {
    db.close();
  }
}
