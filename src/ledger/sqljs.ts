/**
 * The small part of sql.js the ledger uses, and its lazy loader.
 *
 * A local interface instead of `@types/sql.js`, whose emscripten types pull in the DOM. The
 * loader keeps `require('sql.js')` inside a function so that importing this module (and so
 * activating the extension) costs nothing; esbuild still bundles sql.js because the require
 * names a literal module.
 */
import { promises as fs } from 'node:fs';

export type SqlValue = number | string | Uint8Array | null;
export type BindParams = SqlValue[];

export interface Statement {
  bind(values?: BindParams): boolean;
  step(): boolean;
  get(): SqlValue[];
  run(values?: BindParams): void;
  reset(): void;
  free(): boolean;
}

export interface QueryExecResult {
  columns: string[];
  values: SqlValue[][];
}

export interface Database {
  run(sql: string, params?: BindParams): Database;
  exec(sql: string, params?: BindParams): QueryExecResult[];
  prepare(sql: string, params?: BindParams): Statement;
  export(): Uint8Array;
  close(): void;
  getRowsModified(): number;
}

export interface SqlJsStatic {
  Database: new (data?: Uint8Array | null) => Database;
}

type InitSqlJs = (config: { wasmBinary: Uint8Array; useOldExtensionFunctions?: boolean }) => Promise<SqlJsStatic>;

let loading: { wasmPath: string; promise: Promise<SqlJsStatic> } | undefined;

/**
 * Loads sql.js once per process from the WASM bytes at `wasmPath` (never fetched).
 *
 * `initSqlJs` caches its first promise, so the first configuration wins for the whole process
 * and a failed initialisation can never be retried. We therefore read and validate the bytes
 * ourselves before calling it: a wrong path fails here without poisoning sql.js's cache, and a
 * later call with the right path still works. Later calls with another path get the module
 * that is already loaded (the bytes are the same library).
 */
export function loadSqlJs(wasmPath: string): Promise<SqlJsStatic> {
  if (loading) return loading.promise;
  let initCalled = false;
  const promise = (async () => {
    let wasmBinary: Buffer<ArrayBuffer>;
    try {
      wasmBinary = await fs.readFile(wasmPath);
    } catch (err) {
      throw new Error(`Cannot read the SQLite engine (sql-wasm.wasm) at ${wasmPath}: ${(err as Error).message}`);
    }
    if (!WebAssembly.validate(wasmBinary)) {
      throw new Error(`The SQLite engine at ${wasmPath} is not a valid WebAssembly file; reinstall the extension.`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const initSqlJs = require('sql.js') as InitSqlJs;
    initCalled = true;
    // SQLite's own math functions instead of sql.js's deprecated extension functions.
    return initSqlJs({ wasmBinary, useOldExtensionFunctions: false });
  })();
  loading = { wasmPath, promise };
  promise.catch(() => {
    if (!initCalled && loading?.promise === promise) loading = undefined;
  });
  return promise;
}
