/**
 * Shared set-up for the ledger tests: real temp folders, the real sql.js WASM from node_modules,
 * a logger that keeps its lines, and request rows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLedger, type LocalLedger, type OpenLedgerOptions } from '../../../src/ledger';
import { loadSqlJs } from '../../../src/ledger/sqljs';
import type { GenerationInput, LedgerWarning } from '../../../src/ledger/types';
import type { Logger } from '../../../src/util/logger';

export const WASM_PATH = path.resolve(__dirname, '../../../node_modules/sql.js/dist/sql-wasm.wasm');

export function tempDir(prefix = 'ledger-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CollectingLogger extends Logger {
  lines: string[];
}

export function collectingLogger(): CollectingLogger {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

/** Opens a ledger with fast timings suitable for tests; collects warnings. */
export async function open(dir: string, extra: Partial<OpenLedgerOptions> = {}): Promise<LocalLedger & { warnings: LedgerWarning[]; log: CollectingLogger }> {
  const warnings: LedgerWarning[] = [];
  const log = collectingLogger();
  const ledger = await openLedger({
    dir, wasmPath: WASM_PATH, logger: log, pollIntervalMs: 50, snapshotDelayMs: 30, maxSnapshotDelayMs: 200,
    onWarning: (w) => warnings.push(w), ...extra,
  });
  return Object.assign(ledger, { warnings, log });
}

let counter = 0;

export function row(overrides: Partial<GenerationInput> = {}): GenerationInput {
  counter++;
  return {
    generationId: `gen-${process.pid}-${counter}`,
    ts: Date.UTC(2025, 0, 15, 10, 0, 0) + counter * 1000,
    modelRequested: 'openai/gpt-4o',
    modelUsed: 'openai/gpt-4o',
    provider: 'OpenAI',
    promptTokens: 100,
    completionTokens: 50,
    totalCost: 0.001,
    costSource: 'usage',
    status: 'success',
    latencyMs: 500,
    userId: 'alice',
    workspace: 'ws',
    gitBranch: 'main',
    keyLabel: 'sk-or-v1-abc…wxyz',
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

/** A closed one-row ledger in `dir` whose ledger.sqlite claims schema `version` (a newer extension's file); returns its bytes. */
export async function writeNewerSchemaLedger(dir: string, version: number): Promise<Buffer> {
  const l = await open(dir);
  await l.appendGeneration(row());
  await l.close();
  const SQL = await loadSqlJs(WASM_PATH);
  const file = path.join(dir, 'ledger.sqlite');
  const db = new SQL.Database(readFileSync(file));
  db.run('UPDATE schema_version SET version = ?', [version]);
  const bytes = Buffer.from(db.export());
  db.close();
  writeFileSync(file, bytes);
  return bytes;
}
