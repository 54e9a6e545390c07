/**
 * The one message protocol between the extension host and the ledger worker (imported by both
 * sides, so a message cannot drift). Every message is checked on arrival (`parseHostMessage`,
 * `parseWorkerMessage`); a malformed one is refused, never half-used.
 *
 * Calls are generic — `{ target: 'ledger' | 'queries', method, args }` — so a method added to the
 * in-process `Ledger` (or `LedgerQueries`) class is forwarded without touching this file; its
 * async type comes from the mapped type in `./types.ts`. Arguments and results are
 * structured-cloned, with two exceptions marshalled here: a function (a progress callback) and an
 * `AbortSignal`, either as an argument or as a property of a plain-object argument (e.g.
 * `exportRange(…, { onProgress, signal })`, `verify({ onProgress, signal })`), cross as
 * references; the worker calls back, the host forwards an abort as a `cancel` message.
 */
import { LedgerValidationError } from '../normalize';
import { LedgerVersionError } from '../schema';
import type { ExternalChange, LedgerWarning } from '../types';
import { LedgerTooLargeError } from './capacity';
import type { VerifyProcessScript } from './verifyProcess';

export type CallTarget = 'ledger' | 'queries';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** What the worker needs to open the ledger: `OpenLedgerOptions` without its callbacks and logger. */
export interface WorkerOpenOptions {
  dir: string;
  wasmPath: string;
  snapshotDelayMs?: number;
  maxSnapshotDelayMs?: number;
  pollIntervalMs?: number;
  lockStaleMs?: number;
  compactGraceMs?: number;
  verifyProcess?: VerifyProcessScript;
}

export type Callback = (...args: unknown[]) => void;

/** A function or AbortSignal argument, replaced by a reference (see the module comment). */
export type Ref = { $ledgerRef: 'callback' | 'signal'; id: number };

export type HostMessage =
  | { type: 'open'; options: WorkerOpenOptions }
  | { type: 'call'; id: number; target: CallTarget; method: string; args: unknown[] }
  | { type: 'cancel'; signal: number }
  | { type: 'close'; id: number };

/** Names the client exposes: methods and getters of each target, discovered in the worker. */
export interface SurfaceDescription {
  ledger: { methods: string[]; getters: string[] };
  queries: { methods: string[] };
}

export type WorkerMessage =
  | { type: 'opened'; writerId: string; surface: SurfaceDescription }
  | { type: 'openFailed'; error: WireError }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'callback'; callback: number; args: unknown[] }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'warning'; warning: LedgerWarning }
  | { type: 'externalChange'; change: ExternalChange }
  | { type: 'closed'; id: number };

/** An error as it crosses: its class (by name, when the host knows it), message and stack. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/**
 * Error classes callers tell apart with `instanceof`; an error of any other class arrives as a
 * plain `Error` with the same name and message. Add a class here when a caller relies on it.
 */
const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  LedgerValidationError,
  LedgerVersionError,
  LedgerTooLargeError,
  RangeError,
  TypeError,
};

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { name: err.name, message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

export function fromWireError(wire: WireError): Error {
  const Class = ERROR_CLASSES[wire.name] ?? Error;
  const err = new Class(wire.message);
  if (err.name !== wire.name) Object.defineProperty(err, 'name', { value: wire.name, configurable: true });
  if (wire.stack) err.stack = wire.stack;
  if (wire.code) (err as NodeJS.ErrnoException).code = wire.code;
  return err;
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isWireError = (v: unknown): v is WireError => isObject(v) && typeof v.name === 'string' && typeof v.message === 'string';
const isOptionalNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

function refuse(side: string, message: unknown): never {
  const type = isObject(message) && typeof message.type === 'string' ? message.type.slice(0, 40) : typeof message;
  throw new ProtocolError(`The ledger ${side} received a malformed message (${type}).`);
}

const isOptionalScript = (v: unknown) =>
  v === undefined || (isObject(v) && typeof v.modulePath === 'string' && (v.execArgv === undefined || (Array.isArray(v.execArgv) && v.execArgv.every((a) => typeof a === 'string'))));

/** Validates a message arriving in the worker. */
export function parseHostMessage(m: unknown): HostMessage {
  if (!isObject(m)) refuse('worker', m);
  switch (m.type) {
    case 'open': {
      const o = m.options;
      if (isObject(o) && typeof o.dir === 'string' && typeof o.wasmPath === 'string'
        && ['snapshotDelayMs', 'maxSnapshotDelayMs', 'pollIntervalMs', 'lockStaleMs', 'compactGraceMs'].every((k) => isOptionalNumber(o[k]))
        && isOptionalScript(o.verifyProcess)) {
        return m as HostMessage;
      }
      break;
    }
    case 'call':
      if (isId(m.id) && (m.target === 'ledger' || m.target === 'queries') && typeof m.method === 'string' && Array.isArray(m.args)) return m as HostMessage;
      break;
    case 'cancel':
      if (isId(m.signal)) return m as HostMessage;
      break;
    case 'close':
      if (isId(m.id)) return m as HostMessage;
      break;
  }
  return refuse('worker', m);
}

/** Validates a message arriving on the host. */
export function parseWorkerMessage(m: unknown): WorkerMessage {
  if (!isObject(m)) refuse('client', m);
  switch (m.type) {
    case 'opened': {
      const s = m.surface;
      if (typeof m.writerId === 'string' && isObject(s) && isObject(s.ledger) && isObject(s.queries)
        && isStrings(s.ledger.methods) && isStrings(s.ledger.getters) && isStrings(s.queries.methods)) return m as WorkerMessage;
      break;
    }
    case 'openFailed':
      if (isWireError(m.error)) return m as WorkerMessage;
      break;
    case 'result':
      if (isId(m.id) && 'value' in m) return m as WorkerMessage;
      break;
    case 'failed':
      if (isId(m.id) && isWireError(m.error)) return m as WorkerMessage;
      break;
    case 'callback':
      if (isId(m.callback) && Array.isArray(m.args)) return m as WorkerMessage;
      break;
    case 'log':
      if (LOG_LEVELS.includes(m.level as LogLevel) && typeof m.message === 'string') return m as WorkerMessage;
      break;
    case 'warning':
      if (isObject(m.warning) && typeof m.warning.kind === 'string' && typeof m.warning.message === 'string') return m as WorkerMessage;
      break;
    case 'externalChange':
      if (isObject(m.change) && isStrings(m.change.writers) && isStrings(m.change.kinds)) return m as WorkerMessage;
      break;
    case 'closed':
      if (isId(m.id)) return m as WorkerMessage;
      break;
  }
  return refuse('client', m);
}

export function isRef(v: unknown): v is Ref {
  return isObject(v) && (v.$ledgerRef === 'callback' || v.$ledgerRef === 'signal') && isId(v.id);
}

/**
 * Replaces functions and AbortSignals among `args` (and one level inside plain-object args) by
 * references, registering each with `register`.
 */
export function encodeArgs(args: unknown[], register: (value: Callback | AbortSignal) => Ref): unknown[] {
  const encode = (v: unknown): unknown => (typeof v === 'function' || v instanceof AbortSignal ? register(v as Callback | AbortSignal) : v);
  return args.map((arg) => {
    if (!isObject(arg) || Object.getPrototypeOf(arg) !== Object.prototype) return encode(arg);
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(arg)) {
      const e = encode(v);
      if (e !== v) (copy ??= { ...arg })[k] = e;
    }
    return copy ?? arg;
  });
}

/** The worker's inverse of `encodeArgs`. */
export function decodeArgs(args: unknown[], resolve: (ref: Ref) => unknown): unknown[] {
  const decode = (v: unknown) => (isRef(v) ? resolve(v) : v);
  return args.map((arg) => {
    if (isRef(arg)) return resolve(arg);
    if (!isObject(arg)) return arg;
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(arg)) {
      const d = decode(v);
      if (d !== v) (copy ??= { ...arg })[k] = d;
    }
    return copy ?? arg;
  });
}
