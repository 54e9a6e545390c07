/**
 * One chat completion, streamed and audited whatever happens to it: success, cancel, HTTP error
 * before any id, network failure, timeout, mid-stream error — or the window dying meanwhile.
 * The row is written (durably) before the request is sent, as `pending` at the pre-flight
 * estimate (under a uid chosen here, so a retried write never makes a second row); when it
 * cannot be written the request is not sent unless `confirmUnrecorded` agrees. The generation
 * id is added as soon as the first chunk or header names it; the outcome completes the row,
 * with `usage.cost` when OpenRouter sent it. With a generation id the exact record from
 * /generation is fetched afterwards by the backfiller. A row still pending when its
 * window is gone is marked `interrupted` by the next window (Ledger.markInterrupted).
 * No `vscode` import: tested against the simulator with a real ledger.
 */
import type { OpenRouterClient } from '../openrouter/client';
import { isOpenRouterError } from '../openrouter/errors';
import type { ChatRequest, ChatUsage } from '../openrouter/types';
import { newUid } from '../ledger/normalize';
import type { FinishedStatus, GenerationInput, GenerationPatch } from '../ledger/types';
import type { InFlightCalls } from './inFlight';
import { promptHash } from './promptHash';
import { redactMessages } from './redaction';

export type StorePrompts = 'none' | 'redacted' | 'full';

export interface AuditContext {
  userId: string;
  tags: string[];
  workspace: string | null;
  gitBranch: string | null;
  storePrompts: StorePrompts;
  redactionPatterns: readonly string[];
  /** Masked label of the key that pays (`sk-or-v1-abc…wxyz`). */
  keyLabel: string | null;
  chatSession: string;
}

export interface AuditSink {
  appendGeneration(row: GenerationInput): Promise<string>;
  attachGenerationId(uid: string, generationId: string): Promise<boolean>;
  finishGeneration(uid: string, patch: GenerationPatch & { generationId?: string | null }): Promise<boolean>;
}

export interface StreamObserver {
  onStart?(info: { generationId: string; model: string | null; provider: string | null }): void;
  onDelta(text: string, totals: { completionChars: number }): void;
}

export interface AuditedCallResult {
  /** False when the request was not sent: its pending row could not be written and no one agreed to send unrecorded. */
  sent: boolean;
  /** The ledger row; null when writing it failed (see `recordError`). */
  uid: string | null;
  /** Why the row could not be written; the answer itself is still returned. */
  recordError: unknown;
  status: FinishedStatus;
  generationId: string | null;
  content: string;
  modelUsed: string | null;
  usage: ChatUsage | null;
  /** The failure, for the caller to explain (an OpenRouterError for API errors). */
  error: unknown;
  latencyMs: number;
  ttftMs: number | null;
}

export interface AuditedCallDeps {
  client: Pick<OpenRouterClient, 'streamChat'>;
  ledger: AuditSink;
  now?: () => number;
  /** Approximate cost for tokens streamed so far, used when OpenRouter sent no usage (cancel, cut stream). */
  estimateCost?(promptTokens: number, completionTokens: number): number | null;
  estimatePromptTokens?(): number;
  /** The pre-flight (worst-case) estimate, the row's cost while the request runs; null or absent: unknown. */
  estimateAtSend?: number | null;
  /** This window's calls in flight: shutdown aborts them and waits for their rows. */
  inFlight?: InFlightCalls;
  /**
   * The pending row could not be written (`reason`): resolve true to send the billed request
   * anyway, unrecorded until its outcome can be written. Absent: such a request is not sent.
   */
  confirmUnrecorded?(reason: unknown): Promise<boolean>;
}

function statusOf(err: unknown, signal: AbortSignal | undefined): FinishedStatus {
  if (signal?.aborted) return 'cancelled';
  if (isOpenRouterError(err)) {
    if (err.kind === 'aborted') return 'cancelled';
    if (err.kind === 'timeout' || err.status === 408) return 'timeout';
  }
  return 'error';
}

function errorCodeOf(err: unknown): string | null {
  if (isOpenRouterError(err)) {
    const code = err.metadata?.errorType ?? err.code ?? err.kind;
    return code === null || code === undefined ? err.kind : String(code);
  }
  return err instanceof Error ? err.name : 'error';
}

/** What the ledger may keep of the prompt, decided before anything is stored. */
export function storedPromptText(request: ChatRequest, context: Pick<AuditContext, 'storePrompts' | 'redactionPatterns'>): string | null {
  if (context.storePrompts === 'none') return null;
  let messages = request.messages;
  if (context.storePrompts === 'redacted') {
    const redacted = redactMessages(request.messages, { extraPatterns: context.redactionPatterns });
    // A user pattern that could not run may have left text the user asked to hide: store nothing.
    if (redacted.incomplete) return null;
    messages = redacted.messages;
  }
  return JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })));
}

export function runAuditedStream(
  deps: AuditedCallDeps,
  request: ChatRequest,
  context: AuditContext,
  observer: StreamObserver,
  signal?: AbortSignal,
): Promise<AuditedCallResult> {
  if (!deps.inFlight) return auditedStream(deps, request, context, observer, signal);
  const shutdown = deps.inFlight.signal;
  return deps.inFlight.track(auditedStream(deps, request, context, observer, signal ? AbortSignal.any([signal, shutdown]) : shutdown));
}

async function auditedStream(
  deps: AuditedCallDeps,
  request: ChatRequest,
  context: AuditContext,
  observer: StreamObserver,
  signal?: AbortSignal,
): Promise<AuditedCallResult> {
  const now = deps.now ?? Date.now;
  const identity = {
    ts: now(),
    modelRequested: request.model,
    streamed: true,
    userId: context.userId,
    tags: context.tags,
    workspace: context.workspace,
    gitBranch: context.gitBranch,
    promptHash: promptHash(request.messages),
    promptText: storedPromptText(request, context),
    keyLabel: context.keyLabel,
    chatSession: context.chatSession,
  };
  // Chosen here, not by the ledger: a write retried after a lost reply targets the same row.
  const rowUid = newUid(identity.ts);
  let uid: string | null = null;
  let recordError: unknown = null;
  const estimateAtSend = typeof deps.estimateAtSend === 'number' && Number.isFinite(deps.estimateAtSend) ? deps.estimateAtSend : null;
  // On disk before the request goes out: whatever happens to this window, the billed call has a row.
  try {
    uid = await deps.ledger.appendGeneration({ ...identity, uid: rowUid, status: 'pending', costSource: 'estimate', totalCost: estimateAtSend });
  } catch (err) {
    recordError = err;
  }
  if (!uid) {
    const sendAnyway = deps.confirmUnrecorded ? await deps.confirmUnrecorded(recordError).catch(() => false) : false;
    if (!sendAnyway) {
      // The append may have landed with its reply lost: that row must not stay pending at an estimate never spent.
      await deps.ledger.finishGeneration(rowUid, { status: 'cancelled', errorCode: 'not_sent', costSource: 'estimate', totalCost: 0 }).catch(() => false);
      return {
        sent: false, uid: null, recordError, status: 'cancelled', generationId: null, content: '', modelUsed: null, usage: null,
        error: recordError, latencyMs: 0, ttftMs: null,
      };
    }
  }
  let idRecorded: Promise<unknown> = Promise.resolve();
  const startedAt = now();
  let lastByteAt = startedAt;
  let ttftMs: number | null = null;
  let generationId: string | null = null;
  let modelUsed: string | null = null;
  let provider: string | null = null;
  let finishReason: string | null = null;
  let usage: ChatUsage | null = null;
  let content = '';
  let failure: unknown = null;
  let midStream: { code: number | string | null; errorType: string | null } | null = null;

  try {
    for await (const event of deps.client.streamChat({ ...request, user: request.user ?? context.userId }, { signal })) {
      lastByteAt = now();
      switch (event.type) {
        case 'meta':
          if (!generationId) {
            generationId = event.id;
            if (uid) idRecorded = deps.ledger.attachGenerationId(uid, event.id).catch(() => undefined);
            observer.onStart?.({ generationId: event.id, model: event.model, provider: event.provider });
          }
          modelUsed = event.model ?? modelUsed;
          provider = event.provider ?? provider;
          break;
        case 'delta':
          if (event.content) {
            ttftMs ??= lastByteAt - startedAt;
            content += event.content;
            observer.onDelta(event.content, { completionChars: content.length });
          }
          break;
        case 'finish':
          finishReason = event.finishReason;
          break;
        case 'usage':
          usage = event.usage;
          break;
        case 'error':
          midStream = { code: event.code, errorType: event.errorType };
          failure = new Error(event.message);
          finishReason = 'error';
          break;
      }
    }
  } catch (err) {
    failure = err;
    lastByteAt = now();
  }

  const status: FinishedStatus = midStream ? 'error' : failure ? statusOf(failure, signal) : 'success';
  const u = usage as ChatUsage | null;
  let totalCost = u?.cost ?? null;
  let costSource: GenerationInput['costSource'] = 'usage';
  let promptTokens = u?.promptTokens ?? null;
  let completionTokens = u?.completionTokens ?? null;
  if (totalCost === null && deps.estimateCost && (content.length > 0 || status === 'success')) {
    promptTokens ??= deps.estimatePromptTokens?.() ?? null;
    completionTokens ??= Math.ceil(content.length / 4);
    totalCost = deps.estimateCost(promptTokens ?? 0, completionTokens);
    costSource = 'estimate';
  }
  // Stopped before its first token (or with no usage): the pre-flight estimate stays, never replaced by NULL.
  // Only an error before OpenRouter named the generation was not billed.
  const mayBeBilled = status === 'success' || status === 'cancelled' || status === 'timeout' || generationId !== null;
  if (totalCost === null && estimateAtSend !== null && mayBeBilled) {
    totalCost = estimateAtSend;
    costSource = 'estimate';
  }

  const outcome = {
    modelUsed,
    provider,
    promptTokens,
    completionTokens,
    reasoningTokens: u?.reasoningTokens ?? null,
    cachedTokens: u?.cachedTokens ?? null,
    totalCost,
    upstreamInferenceCost: u?.upstreamInferenceCost ?? null,
    isByok: u?.isByok ?? null,
    costSource,
    latencyMs: lastByteAt - startedAt,
    ttftMs,
    status,
    errorCode: midStream ? String(midStream.errorType ?? midStream.code ?? 'stream_error') : failure ? errorCodeOf(failure) : null,
    httpStatus: midStream ? 200 : isOpenRouterError(failure) ? failure.status : failure ? null : 200,
    finishReason,
  } satisfies GenerationPatch;
  if (uid) {
    await idRecorded;
    try {
      await deps.ledger.finishGeneration(uid, { ...outcome, generationId });
    } catch (err) {
      recordError = err;
    }
  } else {
    // Sent unrecorded: the failure may have passed. The pending append may also have landed with
    // its reply lost, so complete that row if it exists, else write the whole row (same uid: no double).
    try {
      if (!(await deps.ledger.finishGeneration(rowUid, { ...outcome, generationId }))) {
        await deps.ledger.appendGeneration({ ...identity, ...outcome, uid: rowUid, generationId });
      }
      uid = rowUid;
      recordError = null;
    } catch (err) {
      recordError ??= err;
    }
  }
  return { sent: true, uid, recordError, status, generationId, content, modelUsed, usage: u, error: failure, latencyMs: outcome.latencyMs, ttftMs };
}
