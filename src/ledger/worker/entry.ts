/**
 * The ledger worker (`dist/ledgerWorker.js`): owns the real, in-process ledger — sql.js, the
 * journals, snapshots and the follow timer — so that none of its synchronous work runs on the
 * extension host's thread. It answers the requests of `client.ts` (protocol.ts) one message at
 * a time; log lines, warnings and other windows' changes go back to the host as events.
 *
 * Started by `fork` instead (it then has an IPC channel and no parent port), the same bundle is
 * the child process that runs "Verify Ledger Integrity" (verifyProcess.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { Logger } from '../../util/logger';
import { checkLedgerFitsInMemory, describeOpenFailure } from './capacity';
import { openLedger, type Ledger } from '../store';
import { serveVerifyProcess } from './verifyProcess';
import {
  decodeArgs, parseHostMessage, toWireError, type CallTarget, type HostMessage, type Ref, type SurfaceDescription, type WorkerMessage,
  type WorkerOpenOptions,
} from './protocol';

const port = parentPort;
if (!port && !process.send) throw new Error('The ledger worker must run in a worker thread (or as its verification process).');

const post = (message: WorkerMessage) => port?.postMessage(message);
const logAt = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string) => post({ type: 'log', level, message });
const logger: Logger = { trace: logAt('trace'), debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

let ledger: Ledger | undefined;
let surface: SurfaceDescription | undefined;
/** Abort controllers of the signals passed with calls still running, by the host's id. */
const signals = new Map<number, AbortController>();

process.on('unhandledRejection', (reason) => logger.error(`Unhandled rejection in the ledger worker: ${(reason as Error)?.message ?? reason}`));

/** Public names of a class instance: prototype methods and getters (the constructor and `open` excluded). */
function describe(instance: object): { methods: string[]; getters: string[] } {
  const methods: string[] = [];
  const getters: string[] = [];
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name === 'constructor' || name === 'open' || methods.includes(name) || getters.includes(name)) continue;
      if (d.get) getters.push(name);
      else if (typeof d.value === 'function') methods.push(name);
    }
  }
  return { methods, getters };
}

async function open(options: WorkerOpenOptions): Promise<void> {
  try {
    await checkLedgerFitsInMemory(options.dir);
    ledger = await openLedger({
      ...options,
      logger,
      onWarning: (warning) => post({ type: 'warning', warning }),
      onExternalChange: (change) => post({ type: 'externalChange', change }),
    });
    const own = describe(ledger);
    surface = { ledger: own, queries: { methods: describe(ledger.queries).methods } };
    post({ type: 'opened', writerId: ledger.writerId, surface });
  } catch (err) {
    post({ type: 'openFailed', error: toWireError(describeOpenFailure(err)) });
  }
}

async function call(id: number, target: CallTarget, method: string, args: unknown[]): Promise<void> {
  const used: number[] = [];
  try {
    if (!ledger || !surface) throw new Error('The ledger is not open.');
    const self: Record<string, unknown> = target === 'ledger' ? (ledger as unknown as Record<string, unknown>) : (ledger.queries as unknown as Record<string, unknown>);
    const known = target === 'ledger' ? surface.ledger : { methods: surface.queries.methods, getters: [] };
    let value: unknown;
    if (known.getters.includes(method)) {
      value = self[method];
    } else if (known.methods.includes(method) && method !== 'close') {
      const decoded = decodeArgs(args, (ref: Ref) => {
        if (ref.$ledgerRef === 'callback') return (...a: unknown[]) => post({ type: 'callback', callback: ref.id, args: a });
        const controller = new AbortController();
        signals.set(ref.id, controller);
        used.push(ref.id);
        return controller.signal;
      });
      value = await (self[method] as (...a: unknown[]) => unknown).apply(self, decoded);
    } else {
      throw new TypeError(`The ledger has no method ${target === 'queries' ? 'queries.' : ''}${method.slice(0, 60)}.`);
    }
    try {
      post({ type: 'result', id, value });
    } catch (err) {
      throw new TypeError(`The result of ${method} cannot be sent to the extension host: ${(err as Error).message}`);
    }
  } catch (err) {
    post({ type: 'failed', id, error: toWireError(err) });
  } finally {
    for (const s of used) signals.delete(s);
  }
}

async function close(id: number): Promise<void> {
  try {
    await ledger?.close();
  } catch (err) {
    logger.error(`Closing the ledger failed: ${(err as Error).message}`);
  }
  ledger = undefined;
  post({ type: 'closed', id });
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'open':
      void open(message.options);
      return;
    case 'call':
      void call(message.id, message.target, message.method, message.args);
      return;
    case 'cancel':
      signals.get(message.signal)?.abort();
      return;
    case 'close':
      void close(message.id);
      return;
  }
}

if (!port) serveVerifyProcess();
port?.on('message', (raw: unknown) => {
  let message: HostMessage;
  try {
    message = parseHostMessage(raw);
  } catch (err) {
    logger.error((err as Error).message);
    return;
  }
  handle(message);
});
