/**
 * The ledger's public data shapes. Inputs are camelCase (as the rest of the extension writes
 * them); stored rows are the snake_case columns of `generations`, so what an export or an
 * SQLite tool shows is exactly what the ledger hashes and verifies.
 */
import type { ActivityRow, Credits, KeyInfo, ModelInfo } from '../openrouter/types';

export type CostSource = 'usage' | 'generation' | 'estimate';
/**
 * `pending`: the request was sent and its window has not finished it yet (the row is written
 * before sending, at the pre-flight estimate); `interrupted`: still pending when its window died
 * or closed (a reload, a crash) — billed all the same, priced from /generation when the id is known.
 */
export type GenerationStatus = 'success' | 'error' | 'timeout' | 'cancelled' | 'pending' | 'interrupted';
/** How a call this window saw to its end ended. */
export type FinishedStatus = Exclude<GenerationStatus, 'pending' | 'interrupted'>;
/** Where a row came from: recorded by this extension, or imported from another tool's file. */
export type RowOrigin = 'extension' | 'import';
/** `pending`: a /generation lookup should still refine the row; `done`/`abandoned`/`none`: it should not. */
export type BackfillState = 'pending' | 'done' | 'abandoned' | 'none';

/** One request, as the chat (or an import) hands it to the ledger. */
export interface GenerationInput {
  /**
   * The row's id, chosen by the caller (`newUid()`) so that a retried write after a lost reply
   * targets the same row: appending a uid the ledger already has is a no-op returning it.
   * Absent: the ledger creates one.
   */
  uid?: string;
  /** OpenRouter's id; absent for requests that failed before OpenRouter assigned one. */
  generationId?: string | null;
  /** When the request was sent: ISO-8601 (any offset; stored as UTC `…Z`) or epoch ms. */
  ts: string | number;
  modelRequested: string;
  modelUsed?: string | null;
  provider?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  reasoningTokens?: number | null;
  cachedTokens?: number | null;
  /** USD. */
  totalCost?: number | null;
  upstreamInferenceCost?: number | null;
  cacheDiscount?: number | null;
  isByok?: boolean | null;
  costSource: CostSource;
  latencyMs?: number | null;
  /** Time to first token. */
  ttftMs?: number | null;
  generationTimeMs?: number | null;
  status: GenerationStatus;
  errorCode?: string | null;
  httpStatus?: number | null;
  finishReason?: string | null;
  streamed?: boolean | null;
  userId?: string | null;
  tags?: string[] | null;
  workspace?: string | null;
  gitBranch?: string | null;
  promptHash?: string | null;
  /** Already redacted by the caller; the ledger additionally masks anything that looks like a key. */
  promptText?: string | null;
  /** Masked key label (`sk-or-v1-abc…wxyz`); a raw key passed here is masked before it is stored. */
  keyLabel?: string | null;
  chatSession?: string | null;
  /** Defaults to `pending` when a generation id is known and the cost did not come from /generation. */
  backfill?: BackfillState;
}

/** A stored `generations` row (every column but the SQLite rowid). */
export interface StoredGeneration {
  uid: string;
  generation_id: string | null;
  ts: string;
  model_requested: string;
  model_used: string | null;
  provider: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  reasoning_tokens: number | null;
  cached_tokens: number | null;
  total_cost: number | null;
  upstream_inference_cost: number | null;
  cache_discount: number | null;
  is_byok: number | null;
  cost_source: CostSource;
  latency_ms: number | null;
  ttft_ms: number | null;
  generation_time_ms: number | null;
  status: GenerationStatus;
  error_code: string | null;
  http_status: number | null;
  finish_reason: string | null;
  streamed: number | null;
  user_id: string | null;
  /** JSON array of strings. */
  tags: string | null;
  workspace: string | null;
  git_branch: string | null;
  prompt_hash: string | null;
  prompt_text: string | null;
  key_label: string | null;
  chat_session: string | null;
  origin: RowOrigin;
  backfill: BackfillState;
}

/** Fields a later lookup may refine; identity (uid, generation id, ts, origin) never changes. */
export type GenerationPatch = Partial<
  Omit<GenerationInput, 'generationId' | 'ts' | 'modelRequested' | 'backfill'>
>;

/** What `/generation` told us; the ledger sets cost_source='generation' and backfill='done'. */
export type GenerationFields = Omit<GenerationPatch, 'costSource'>;

export interface PendingBackfill {
  uid: string;
  generationId: string;
  ts: string;
  modelRequested: string;
  costSource: CostSource;
}

/** One `/activity` row plus the hash of the key it was read for ('' when the account-wide view). */
export interface ActivityRecord extends ActivityRow {
  keyHash?: string | null;
}

export interface CreditSnapshotInput {
  /** When the reading was taken (ISO or epoch ms). */
  at: string | number;
  /** Masked label of the key the reading is for. */
  keyLabel?: string | null;
  key?: KeyInfo | null;
  credits?: Credits | null;
}

export interface CreditSnapshot {
  ts: string;
  keyLabel: string | null;
  limit: number | null;
  limitRemaining: number | null;
  usage: number | null;
  usageDaily: number | null;
  usageWeekly: number | null;
  usageMonthly: number | null;
  byokUsage: number | null;
  totalCredits: number | null;
  totalUsage: number | null;
}

export interface CachedModelPrice {
  model: ModelInfo;
  fetchedAt: string;
}

export interface LedgerWarning {
  kind:
    | 'corrupt-snapshot' | 'torn-journal' | 'corrupt-journal-record' | 'snapshot-failed' | 'reloaded'
    /** A journal line from a newer version (or of an unknown kind): that journal is not followed past it. */
    | 'journal-newer'
    /** A journal record could not be applied; it is retried, and nothing after it is applied meanwhile. */
    | 'journal-apply-failed'
    /** A snapshot was not written because it would hold fewer requests than the one before. */
    | 'snapshot-refused';
  message: string;
  /** Where a corrupt snapshot was moved to, when it was. */
  setAsidePath?: string;
}

export interface ExternalChange {
  /** Writers whose new records were applied. */
  writers: string[];
  /** Kinds of the applied operations, e.g. `gen`, `upd`, `act`. */
  kinds: string[];
}

/** A half-open time range [from, to) in UTC; a missing end is unbounded. */
export interface TimeRange {
  from?: string | number | null;
  to?: string | number | null;
}
