/** The ledger's public surface: open it, write to it, ask it questions (no `vscode` import). */
export { openLedger, Ledger, type OpenLedgerOptions, type ImportReport, type GenerationRef } from './store';
export { LedgerQueries, type Totals, type ModelStats, type DayPoint, type HourPoint, type GroupTotals, type ActivityDay, type RangeInput } from './queries';
export type { IntegrityReport, IntegrityProblem } from './chain';
export type { ExportFormat, ExportOptions, ExportResult } from './exporter';
export type { ImportRejection, ImportFormat } from './importer';
export type { LatencyStats } from './latency';
export { presetRange, type RangePreset, type TimeZoneSpec } from './timeZone';
export { LedgerValidationError } from './normalize';
export { LedgerVersionError } from './schema';
export type * from './types';
