/**
 * Public contract of the local OpenRouter simulator (see brief SIMULATOR_API.md).
 * Everything that tests against the simulator imports these types from `./index`.
 */

export type UsageChunkVariant = 'empty-choices' | 'one-empty-choice';
export type LimitReset = 'daily' | 'weekly' | 'monthly' | null;

/** Options that may also be changed while the server runs (`Simulator.configure`). */
export interface RuntimeOptions {
  /** /generation answers 404 for this long (real wall-clock ms) after a completion ends. */
  generationDelayMs: number;
  /** /credits with an inference key: 403 (documented) or 200 (observed). */
  creditsForInferenceKey: 'forbid' | 'allow';
  /** Delay between SSE events of a streamed completion. */
  streamChunkDelayMs: number;
  /** Shape of the final usage chunk: `choices: []` (docs) or one empty choice (real capture). */
  usageChunkVariant: UsageChunkVariant;
  /** `: OPENROUTER PROCESSING` before the first chunk and once mid-stream. */
  keepAliveComments: boolean;
  lineEnding: '\n' | '\r\n';
  /** Split every SSE JSON payload over several `data:` lines (legal SSE; clients must join them with '\n'). */
  multiLineData: boolean;
  /** Providers that are down: routing skips their endpoints (a model's other endpoints serve). */
  downProviders: string[];
  /** Providers the account brought its own key for: `is_byok`, the provider's charge as upstream cost, a 5% fee billed. */
  byokProviders: string[];
  /** What /generation answers before the record is written: 404 (documented) or 200 `{"data": null}` (tolerated by OpenRouter's own code). */
  generationNotReady: '404' | 'data-null';
  /**
   * Analytics rows whose `model` is this id carry this unparseable string for every metric
   * requested (e.g. "1,5"): how a client copes with a malformed number. null: off.
   */
  analyticsMalformed: { model: string; value: string } | null;
}

export interface SimulatorOptions extends Partial<RuntimeOptions> {
  port?: number;
  https?: { key: string; cert: string };
  totalCredits?: number;
  now?: () => Date;
}

export interface Simulator {
  readonly origin: string;
  readonly baseUrl: string;
  readonly managementKey: string;
  readonly inferenceKey: string;
  close(): Promise<void>;

  createKey(opts: { name?: string; limit?: number | null; limitReset?: LimitReset; disabled?: boolean }): { key: string; hash: string };
  setAccountCredits(totalCredits: number, totalUsage?: number): void;
  setKeyUsage(hashOrKey: string, usage: number): void;
  seedActivity(rows: SeedActivityRow[]): void;
  seedKeys(count: number): void;

  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Changes runtime options (chunk delay, usage variant, generation delay…) without a restart. */
  configure(patch: Partial<RuntimeOptions>): void;

  readonly requests: RecordedRequest[];
  generations(): GenerationSummary[];
  keyState(hashOrKey: string): { usage: number; limit: number | null; limitRemaining: number | null };
  accountState(): { totalCredits: number; totalUsage: number };
}

export interface SeedActivityRow {
  daysAgo: number;
  model: string;
  provider?: string;
  usage: number;
  requests: number;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  keyHash?: string;
  byok?: number;
}

export interface GenerationSummary {
  id: string;
  model: string;
  cost: number;
  cancelled: boolean;
  streamed: boolean;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  keyHash: string;
}

interface FaultTarget {
  /** Path prefix, with or without the `/api/v1` base (e.g. '/key' or '/api/v1/key'). Default: every path. */
  path?: string;
  method?: string;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
}

export type Fault =
  | (FaultTarget & {
      kind: 'status';
      status: number;
      body?: unknown;
      retryAfterSeconds?: number;
      /** X-RateLimit-Reset in epoch ms; a value below 1e12 is read as "ms from now". */
      rateLimitResetMs?: number;
      /** 402: which bound; 403: which OpenRouter-side budget (body "Budget limit exceeded" with scope, limit_usd, spend_usd, resets_at). */
      limitSource?: 'openrouter_credits' | 'openrouter_key_limit' | 'openrouter_in_flight_budget' | 'openrouter_guardrail_budget' | 'openrouter_workspace_budget';
    })
  | (FaultTarget & { kind: 'delay'; ms: number })
  | (FaultTarget & { kind: 'drop' })
  | (FaultTarget & { kind: 'malformed-json' })
  | { kind: 'truncate-stream'; afterChunks: number; times?: number }
  | { kind: 'mid-stream-error'; afterChunks: number; code?: number | string; message?: string; errorType?: string; times?: number }
  /**
   * The next completion fails after `afterTokens` tokens with HTTP 200 and the error inside the
   * choice (`finish_reason: "error"`, `choices[0].error`), no top-level error: a JSON body for a
   * non-streaming request, the last SSE chunk for a stream. The tokens produced are billed.
   */
  | { kind: 'choice-error'; afterTokens: number; code?: number | string; message?: string; times?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; any key in a value (authorization, proxy-authorization…) is masked. */
  headers: Record<string, string>;
  body: unknown;
  viaProxy?: boolean;
}
