/**
 * What every command works with: the ledger folder (resolved once), a read-only view of the
 * ledger or a writer on it, the OpenRouter client with keys from the environment, and output.
 *
 * Reading never changes anything on disk: the snapshot and the journals are loaded into memory
 * (a damaged snapshot is reported and the previous one used, as the extension would, but
 * nothing is renamed). Writing opens the ledger like one more VS Code window: its own journal,
 * safe while VS Code is running.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { maskKey } from '../keys/mask';
import { LedgerDb } from '../ledger/apply';
import type { ChainHead } from '../ledger/chain';
import { JournalFollower } from '../ledger/follow';
import { openLedger, type Ledger as LocalLedger } from '../ledger/store';
import { LedgerQueries } from '../ledger/queries';
import { LedgerVersionError, migrate } from '../ledger/schema';
import { PREVIOUS_FILE, readHead, readSnapshotBytes, SNAPSHOT_FILE } from '../ledger/snapshot';
import { loadSqlJs } from '../ledger/sqljs';
import { OpenRouterClient } from '../openrouter/client';
import { proxySettingsFromEnv, undiciTransport, type ClosableTransport, type Transport } from '../openrouter/transport';
import type { KeyKind } from '../openrouter/types';
import type { Logger } from '../util/logger';
import { number, str, type Values } from './args';
import { CliError, EXIT } from './errors';
import { holdsLedger, resolveLedgerDir } from './locations';
import type { Out } from './output';
import { SqliteFile, SqliteFormatError } from './sqliteFile';

export const KEY_ENV: Record<KeyKind, string> = { inference: 'OPENROUTER_API_KEY', management: 'OPENROUTER_MANAGEMENT_KEY' };

/** sql-wasm.wasm next to the bundle (dist/), else from node_modules (running the sources). */
function wasmPath(): string {
  const beside = path.join(__dirname, 'sql-wasm.wasm');
  return existsSync(beside) ? beside : require.resolve('sql.js/dist/sql-wasm.wasm');
}

export interface ReadView {
  ldb: LedgerDb;
  queries: LedgerQueries;
  /** Chain head recorded with the snapshot that was loaded (for verify). */
  anchor: ChainHead | null;
  close(): void;
}

export class CliContext {
  readonly env: NodeJS.ProcessEnv;
  private resolvedDir: string | undefined;
  private clientInstance: { client: OpenRouterClient; transport: ClosableTransport } | undefined;
  /** Bodies of the API's answers in arrival order, for `--raw`. */
  readonly rawBodies: string[] = [];
  private readonly closers: (() => Promise<void> | void)[] = [];

  constructor(readonly values: Values, readonly out: Out, env: NodeJS.ProcessEnv = process.env, readonly now: () => number = Date.now) {
    this.env = env;
  }

  get json(): boolean {
    return this.values.json === true;
  }

  get ledgerDir(): string {
    if (this.resolvedDir === undefined) {
      const r = resolveLedgerDir(str(this.values, 'ledger'), this.env);
      for (const dir of r.looked) this.out.verbose(`looked at ${dir}`);
      this.out.verbose(`ledger folder: ${r.dir} (from ${r.how})`);
      this.resolvedDir = r.dir;
    }
    return this.resolvedDir;
  }

  private missingLedger(): CliError {
    return new CliError(
      `No ledger in ${this.ledgerDir}. Pass --ledger DIR or set OPENROUTER_LEDGER_DIR (run with --verbose to see where the defaults are).`,
      EXIT.usage,
    );
  }

  readonly logger: Logger = {
    trace: () => undefined,
    debug: (m) => this.out.verbose(m),
    info: (m) => this.out.verbose(m),
    warn: (m) => this.out.verbose(`warning: ${m}`),
    error: (m) => this.out.verbose(`error: ${m}`),
  };

  sqlJs() {
    return loadSqlJs(wasmPath());
  }

  /** Fails with the "no ledger" message unless the folder holds one. */
  requireLedger(): string {
    if (!holdsLedger(this.ledgerDir)) throw this.missingLedger();
    return this.ledgerDir;
  }

  /** The ledger as of now (snapshot + every journal), in memory; nothing on disk changes. */
  async readLedger(): Promise<ReadView> {
    const dir = this.ledgerDir;
    if (!holdsLedger(dir)) throw this.missingLedger();
    const sql = await loadSqlJs(wasmPath());
    const follower = new JournalFollower(path.join(dir, 'journal'), 'cli-reader', this.logger, (w) => this.out.stderr(`warning: ${w.message}\n`));
    await follower.skipPastCompactions();
    const head = await readHead(dir);
    let loaded: { ldb: LedgerDb; anchor: ChainHead | null } | undefined;
    const damaged: string[] = [];
    for (const name of [SNAPSHOT_FILE, PREVIOUS_FILE]) {
      let ldb: LedgerDb | undefined;
      try {
        const snapshot = await readSnapshotBytes(path.join(dir, name));
        if (!snapshot) continue;
        ldb = new LedgerDb(new sql.Database(snapshot.bytes));
        const id = ldb.db.exec("SELECT value FROM meta WHERE key = 'snapshot_id'")[0]?.values[0]?.[0];
        const unchanged = !!head && head.snapshotId === id && head.fileSize === snapshot.size && head.fileMtimeMs === snapshot.mtimeMs;
        if (!unchanged) {
          const check = ldb.db.exec('PRAGMA quick_check')[0]?.values.map((r) => r[0]) ?? [];
          if (check.length !== 1 || check[0] !== 'ok') throw new Error(`integrity check failed: ${check.slice(0, 3).join('; ')}`);
        }
        migrate(ldb.db);
        loaded = { ldb, anchor: head && head.snapshotId === id ? head : null };
        break;
      } catch (err) {
        ldb?.close();
        if (err instanceof LedgerVersionError) throw new CliError(err.message, EXIT.usage);
        damaged.push(`${name} is damaged (${(err as Error).message})`);
      }
    }
    if (!loaded && damaged.length) {
      throw new CliError(`The ledger in ${dir} cannot be read: ${damaged.join('; ')}. Nothing was changed. Open VS Code with the extension to set the file aside and rebuild, or restore a backup.`, EXIT.usage);
    }
    if (damaged.length) this.out.stderr(`warning: ${damaged.join('; ')}; answering from ${PREVIOUS_FILE} and the journals (nothing was changed).\n`);
    if (!loaded) {
      const ldb = new LedgerDb(new sql.Database());
      migrate(ldb.db);
      loaded = { ldb, anchor: null };
    }
    const { ldb } = loaded;
    follower.reset(ldb);
    await follower.catchUp(() => ldb, true);
    return { ldb, queries: new LedgerQueries(() => ldb, this.now), anchor: loaded.anchor, close: () => ldb.close() };
  }

  /** Opens the ledger as one more writer (created if missing); closed when the command ends. */
  async writeLedger(): Promise<LocalLedger> {
    const dir = this.ledgerDir;
    const current = path.join(dir, SNAPSHOT_FILE);
    // The ledger would set a damaged snapshot aside on open; the command line refuses instead and changes nothing.
    try {
      SqliteFile.open(current).close();
    } catch (err) {
      if (err instanceof SqliteFormatError) {
        throw new CliError(`The ledger file ${current} is damaged (${err.message}). Nothing was changed. Open VS Code with the extension to set it aside and rebuild, or restore a backup.`, EXIT.usage);
      }
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.out.verbose(holdsLedger(dir) ? `writing to the ledger in ${dir}` : `creating a new ledger in ${dir}`);
    await fs.mkdir(dir, { recursive: true });
    const ledger = await openLedger({
      dir, wasmPath: wasmPath(), logger: this.logger,
      onWarning: (w) => this.out.stderr(`warning: ${w.message}\n`),
    });
    this.closers.push(() => ledger.close());
    return ledger;
  }

  apiKey(kind: KeyKind): string | undefined {
    const key = this.env[KEY_ENV[kind]]?.trim();
    return key ? key : undefined;
  }

  /** Fails before any request when the key is not set. */
  requireKey(kind: KeyKind, why: string): string {
    const key = this.apiKey(kind);
    if (!key) throw new CliError(`${why} needs ${kind === 'management' ? 'a management key' : 'an API key'}: set ${KEY_ENV[kind]}.`, EXIT.usage);
    this.out.verbose(`using ${KEY_ENV[kind]} (${maskKey(key)})`);
    return key;
  }

  get client(): OpenRouterClient {
    if (!this.clientInstance) {
      const timeout = number(this.values, 'timeout', { min: 1 });
      const retries = number(this.values, 'retries', { min: 0, integer: true });
      const baseUrl = str(this.values, 'base-url') ?? this.env.OPENROUTER_BASE_URL;
      if (baseUrl !== undefined) {
        try {
          const url = new URL(baseUrl);
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
        } catch {
          throw new CliError(`--base-url must be an http(s) URL; got "${baseUrl}".`, EXIT.usage, true);
        }
      }
      const transport = undiciTransport(proxySettingsFromEnv(this.env));
      const recording: Transport = async (url, init) => {
        const response = await transport(url, init);
        if ((init.headers.Accept ?? '') === 'text/event-stream') return response;
        return { status: response.status, headers: response.headers, body: null, text: async () => {
          const text = await response.text();
          this.rawBodies.push(text);
          return text;
        } };
      };
      const client = new OpenRouterClient({
        baseUrl, transport: recording, logger: this.logger,
        getKey: async (kind) => this.apiKey(kind),
        ...(timeout !== undefined ? { timeoutMs: timeout * 1000, chatTimeoutMs: timeout * 1000 } : {}),
        ...(retries !== undefined ? { retry: { maxAttempts: retries + 1 } } : {}),
      });
      this.out.verbose(`OpenRouter at ${baseUrl ?? 'https://openrouter.ai/api/v1'}`);
      this.clientInstance = { client, transport };
    }
    return this.clientInstance.client;
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
    await this.clientInstance?.transport.close();
  }
}
