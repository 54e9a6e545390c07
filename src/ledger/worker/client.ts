/**
 * The host side of the ledger worker: `openLedgerWorker()` starts the worker, opens the ledger
 * in it and returns an object with the `Ledger` API — the same method names, including
 * `queries.*`, every one returning a Promise (`isSnapshotWriter` is a Promise-valued property,
 * `writerId` a plain string known from the open). The methods are built from the names the
 * worker reports, so a method added to the ledger class is forwarded without a change here.
 *
 * When the worker crashes or exits, every pending and later call rejects with one sentence, and
 * the failure is reported once (`onWorkerExit` and the logger). `close()` flushes and closes the
 * ledger in the worker, then terminates it.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../../util/logger';
import type { LedgerQueries } from '../queries';
import type { Ledger as LocalLedger, OpenLedgerOptions } from '../store';
import {
  encodeArgs, fromWireError, parseWorkerMessage, type Callback, type CallTarget, type HostMessage, type Ref, type SurfaceDescription,
  type WorkerMessage, type WorkerOpenOptions,
} from './protocol';

type Asynced<T> = [T] extends [(...args: infer A) => infer R] ? (...args: A) => Promise<Awaited<R>> : Promise<T>;

/** The ledger as the extension uses it: the in-process class's public API, every member async. */
export type AsyncLedger = { readonly [K in Exclude<keyof LocalLedger, 'queries' | 'writerId' | 'open'>]: Asynced<LocalLedger[K]> } & {
  readonly writerId: string;
  readonly queries: { readonly [K in keyof LedgerQueries]: Asynced<LedgerQueries[K]> };
};

export interface OpenLedgerWorkerOptions extends OpenLedgerOptions {
  /** Starts the worker thread running the ledger worker (`dist/ledgerWorker.js` in the extension). */
  startWorker: () => Worker;
  /** The worker crashed or exited while the ledger was open (called once). */
  onWorkerExit?: (error: Error) => void;
  /** How long `close()` waits for the worker's flush before terminating it (default CLOSE_TIMEOUT_MS). */
  closeTimeoutMs?: number;
}

export const CLOSE_TIMEOUT_MS = 4_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  refs: Ref[];
}

class WorkerConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly callbacks = new Map<number, Callback>();
  private readonly signals = new Map<number, () => void>();
  private failure: Error | undefined;
  private closing = false;
  /** Set once the ledger opened: only then is an exit a crash to report (a failed open rejects instead). */
  private isOpen = false;
  private lastError: Error | undefined;
  private onOpen: { resolve: (v: { writerId: string; surface: SurfaceDescription }) => void; reject: (e: Error) => void };
  readonly opened: Promise<{ writerId: string; surface: SurfaceDescription }>;

  constructor(private readonly worker: Worker, private readonly options: OpenLedgerWorkerOptions, private readonly logger: Logger) {
    let settle!: WorkerConnection['onOpen'];
    this.opened = new Promise((resolve, reject) => (settle = { resolve, reject }));
    this.onOpen = settle;
    // A failed open is awaited by openLedgerWorker; a crash after it must not be an unhandled rejection.
    this.opened.catch(() => undefined);
    worker.on('message', (raw: unknown) => {
      let message: WorkerMessage;
      try {
        message = parseWorkerMessage(raw);
      } catch (err) {
        this.logger.error((err as Error).message);
        return;
      }
      this.handle(message);
    });
    worker.on('error', (err) => (this.lastError = err));
    worker.on('messageerror', (err) => this.logger.error(`A message from the ledger worker could not be read: ${err.message}`));
    worker.on('exit', (code) => this.exited(code));
  }

  private handle(m: WorkerMessage): void {
    switch (m.type) {
      case 'opened':
        this.isOpen = true;
        this.onOpen.resolve({ writerId: m.writerId, surface: m.surface });
        return;
      case 'openFailed':
        this.onOpen.reject(fromWireError(m.error));
        return;
      case 'result':
      case 'closed':
        this.settle(m.id, (p) => p.resolve(m.type === 'result' ? m.value : undefined));
        return;
      case 'failed':
        this.settle(m.id, (p) => p.reject(fromWireError(m.error)));
        return;
      case 'callback':
        try {
          this.callbacks.get(m.callback)?.(...m.args);
        } catch (err) {
          this.logger.error(`A ledger progress callback failed: ${(err as Error).message}`);
        }
        return;
      case 'log':
        this.logger[m.level](m.message);
        return;
      case 'warning':
        this.guard('onWarning', () => this.options.onWarning?.(m.warning));
        return;
      case 'externalChange':
        this.guard('onExternalChange', () => this.options.onExternalChange?.(m.change));
        return;
    }
  }

  private guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error(`${name} handler failed: ${(err as Error).message}`);
    }
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.release(p.refs);
    fn(p);
  }

  private release(refs: Ref[]): void {
    for (const ref of refs) {
      if (ref.$ledgerRef === 'callback') this.callbacks.delete(ref.id);
      else this.signals.get(ref.id)?.();
    }
  }

  private exited(code: number): void {
    if (this.failure) return;
    const reason = this.lastError ? `: ${this.lastError.message}` : '';
    this.failure = this.closing
      ? new Error('The ledger is closed.')
      : new Error(`The ledger worker stopped unexpectedly (exit code ${code}${reason}); ledger requests fail until the ledger is opened again.`);
    this.onOpen.reject(this.failure);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.release(p.refs);
      p.reject(this.failure);
    }
    if (!this.closing && this.isOpen) {
      this.logger.error(this.failure.message);
      this.guard('onWorkerExit', () => this.options.onWorkerExit?.(this.failure as Error));
    }
  }

  private send(message: HostMessage): void {
    this.worker.postMessage(message);
  }

  open(options: WorkerOpenOptions): void {
    this.send({ type: 'open', options });
  }

  request(target: CallTarget | 'close', method: string, args: unknown[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const refs: Ref[] = [];
    let encoded: unknown[];
    try {
      encoded = encodeArgs(args, (value) => {
        const ref: Ref = { $ledgerRef: typeof value === 'function' ? 'callback' : 'signal', id: this.nextId++ };
        refs.push(ref);
        if (typeof value === 'function') {
          this.callbacks.set(ref.id, value);
        } else {
          const onAbort = () => this.send({ type: 'cancel', signal: ref.id });
          value.addEventListener('abort', onAbort, { once: true });
          this.signals.set(ref.id, () => {
            value.removeEventListener('abort', onAbort);
            this.signals.delete(ref.id);
          });
          if (value.aborted) queueMicrotask(onAbort);
        }
        return ref;
      });
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, refs });
      try {
        this.send(target === 'close' ? { type: 'close', id } : { type: 'call', id, target, method, args: encoded });
      } catch (err) {
        this.pending.delete(id);
        this.release(refs);
        reject(new TypeError(`${method} cannot be sent to the ledger worker: ${(err as Error).message}`));
      }
    });
  }

  /** Stops a worker whose open failed. */
  async abandon(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  /**
   * Flushes and closes the ledger in the worker, then stops it. A worker that does not answer
   * within `CLOSE_TIMEOUT_MS` (hung, or busy saving a huge snapshot) is terminated anyway: the
   * journals hold every acknowledged row, and VS Code gives deactivate() only a few seconds.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    const flushed = this.request('close', 'close', []).catch((err: Error) => this.logger.warn(`Closing the ledger: ${err.message}`));
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS)));
    if ((await Promise.race([flushed, timedOut])) === 'timeout') {
      this.logger.warn('The ledger worker did not close in time; it is stopped (the journals hold every acknowledged row).');
    }
    clearTimeout(timer);
    await this.worker.terminate();
  }
}

/** Starts the worker and opens the ledger in it; rejects (and stops the worker) when the open fails. */
export async function openLedgerWorker(options: OpenLedgerWorkerOptions): Promise<AsyncLedger> {
  const { dir, wasmPath, snapshotDelayMs, maxSnapshotDelayMs, pollIntervalMs, lockStaleMs, compactGraceMs, verifyProcess } = options;
  const logger = options.logger ?? { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const worker = options.startWorker();
  const connection = new WorkerConnection(worker, options, logger);
  connection.open({ dir, wasmPath, snapshotDelayMs, maxSnapshotDelayMs, pollIntervalMs, lockStaleMs, compactGraceMs, verifyProcess });
  let opened: { writerId: string; surface: SurfaceDescription };
  try {
    opened = await connection.opened;
  } catch (err) {
    await connection.abandon();
    throw err;
  }
  const forward = (target: CallTarget, names: string[]) =>
    Object.fromEntries(names.map((name) => [name, (...args: unknown[]) => connection.request(target, name, args)]));
  const queries = Object.freeze(forward('queries', opened.surface.queries.methods));
  const client: Record<string, unknown> = forward('ledger', opened.surface.ledger.methods);
  for (const name of opened.surface.ledger.getters) {
    Object.defineProperty(client, name, { enumerable: true, get: () => connection.request('ledger', name, []) });
  }
  Object.assign(client, { writerId: opened.writerId, queries, close: () => connection.close() });
  return Object.freeze(client) as unknown as AsyncLedger;
}
