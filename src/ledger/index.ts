/**
 * The ledger's public surface: open it, write to it, ask it questions (no `vscode` import).
 *
 * `Ledger` is the API the extension uses: every member async, served by a worker thread that
 * owns sql.js (`openLedgerWorker`, worker/client.ts). `openLedger` opens the same ledger in the
 * calling thread (`LocalLedger`, synchronous queries) for tests, the bench and the worker itself.
 */
export { openLedger, Ledger as LocalLedger, type OpenLedgerOptions, type ImportReport, type GenerationRef, type VerifyOptions } from './store';
export { openLedgerWorker, type AsyncLedger as Ledger, type OpenLedgerWorkerOptions } from './worker/client';
export { LedgerQueries, type Totals, type ModelStats, type DayPoint, type HourPoint, type GroupTotals, type ActivityDay, type RangeInput } from './queries';
export type { IntegrityReport, IntegrityProblem } from './chain';
export type { ExportFormat, ExportOptions, ExportResult } from './exporter';
export type { ImportRejection, ImportFormat } from './importer';
export type { LatencyStats } from './latency';
export { presetRange, type RangePreset, type TimeZoneSpec } from './timeZone';
export { LedgerValidationError } from './normalize';
export { LedgerVersionError } from './schema';
export { LedgerTooLargeError, MAX_LEDGER_FILE_BYTES } from './worker/capacity';
export type * from './types';
