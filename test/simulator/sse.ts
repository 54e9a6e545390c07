/**
 * Streamed chat completion in OpenRouter's SSE dialect: `: OPENROUTER PROCESSING` comments
 * (before the first chunk and once mid-stream), a role chunk, content chunks of two tokens, a
 * finish chunk, a usage chunk (`choices: []` or one empty choice), then `data: [DONE]`.
 * A client abort is billed for the tokens already sent and recorded as cancelled.
 */
import { ServerResponse } from 'node:http';
import { CompletionPlan, finalizeCompletion, Outcome, usageJson } from './completion';
import { SimulatorCore } from './context';
import { errorTypeOf } from './errors';
import { StreamFault } from './faults';
import { sleep } from './http';

const TOKENS_PER_CHUNK = 2;

function chunkBase(plan: CompletionPlan): Record<string, unknown> {
  return {
    id: plan.id,
    provider: plan.endpoint.provider,
    model: plan.model.id,
    object: 'chat.completion.chunk',
    created: Math.floor(plan.startedAt.getTime() / 1000),
    system_fingerprint: '',
  };
}

function choice(delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> {
  return { index: 0, delta, finish_reason: finishReason, native_finish_reason: finishReason, logprobs: null };
}

class SseWriter {
  constructor(private readonly res: ServerResponse, private readonly core: SimulatorCore) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  comment(): void {
    const le = this.core.options.lineEnding;
    if (!this.closed) this.res.write(`: OPENROUTER PROCESSING${le}${le}`);
  }

  data(payload: unknown): void {
    const { lineEnding: le, multiLineData } = this.core.options;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload, null, multiLineData ? 1 : undefined);
    const lines = text.split('\n').map((l) => `data: ${l}`).join(le);
    if (!this.closed) this.res.write(`${lines}${le}${le}`);
  }
}

/** The error object of a `choice-error` fault, as it sits in `choices[0].error`. */
export function choiceErrorJson(fault: Extract<StreamFault, { kind: 'choice-error' }>): Record<string, unknown> {
  return { code: fault.code ?? 502, message: fault.message ?? 'Provider returned error', metadata: { error_type: errorTypeOf(502) } };
}

export async function streamCompletion(res: ServerResponse, core: SimulatorCore, plan: CompletionPlan, fault: StreamFault | undefined): Promise<void> {
  let clientGone = false;
  res.on('close', () => {
    if (!res.writableFinished) clientGone = true;
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-generation-id': plan.id,
  });
  const out = new SseWriter(res, core);
  const delay = (): Promise<void> => sleep(core.options.streamChunkDelayMs);
  const finish = (o: Outcome): void => void finalizeCompletion(core, plan, o);

  if (core.options.keepAliveComments) out.comment();
  await delay();
  out.data({ ...chunkBase(plan), choices: [choice({ role: 'assistant', content: '' }, null)] });

  const chunks: string[][] = [];
  for (let i = 0; i < plan.pieces.length; i += TOKENS_PER_CHUNK) chunks.push(plan.pieces.slice(i, i + TOKENS_PER_CHUNK));
  const commentAfter = Math.max(0, Math.floor(chunks.length / 2) - 1);
  const faultAt = fault ? (fault.kind === 'choice-error' ? Math.ceil(fault.afterTokens / TOKENS_PER_CHUNK) : fault.afterChunks) : 0;
  // An aborted stream is billed for what was sent, or in full where the provider cannot stop (see endpoints.ts).
  const cancelledTokens = (): number => (plan.endpoint.cancelBilling === 'full-response' ? plan.pieces.length : sent);
  let sent = 0;
  let firstTokenMs: number | null = null;

  for (let i = 0; i <= chunks.length; i++) {
    if (fault && i === Math.min(faultAt, chunks.length)) {
      if (fault.kind === 'choice-error') {
        // HTTP 200 and the error only inside the choice: no top-level `error`.
        out.data({ ...chunkBase(plan), choices: [{ ...choice({ content: '' }, 'error'), error: choiceErrorJson(fault) }], usage: usageJson(plan, sent) });
        out.data('[DONE]');
        res.end();
        finish({ completionTokens: sent, finishReason: 'error', cancelled: false, firstTokenMs });
      } else if (fault.kind === 'truncate-stream') {
        // Flush what was written, then close the socket without the final chunk: the body is cut.
        res.socket?.end();
        finish({ completionTokens: sent, finishReason: null, cancelled: false, firstTokenMs });
      } else {
        out.data({
          ...chunkBase(plan),
          error: { code: fault.code ?? 502, message: fault.message ?? 'Provider returned error', metadata: { error_type: fault.errorType ?? errorTypeOf(502), provider_name: plan.model.provider } },
          choices: [choice({ content: '' }, 'error')],
        });
        res.end();
        finish({ completionTokens: sent, finishReason: 'error', cancelled: false, firstTokenMs });
      }
      return;
    }
    if (i === chunks.length) break;
    await delay();
    if (clientGone) {
      finish({ completionTokens: cancelledTokens(), finishReason: null, cancelled: true, firstTokenMs });
      return;
    }
    out.data({ ...chunkBase(plan), choices: [choice({ role: 'assistant', content: chunks[i].join('') }, null)] });
    sent += chunks[i].length;
    firstTokenMs ??= Date.now();
    if (core.options.keepAliveComments && i === commentAfter && chunks.length > 1) out.comment();
  }

  await delay();
  if (clientGone) {
    finish({ completionTokens: cancelledTokens(), finishReason: null, cancelled: true, firstTokenMs });
    return;
  }
  out.data({ ...chunkBase(plan), choices: [choice({ role: 'assistant', content: '' }, plan.finishReason)] });
  const usageChoices = core.options.usageChunkVariant === 'empty-choices' ? [] : [choice({ role: 'assistant', content: '' }, null)];
  out.data({ ...chunkBase(plan), choices: usageChoices, usage: usageJson(plan, sent) });
  out.data('[DONE]');
  res.end();
  finish({ completionTokens: sent, finishReason: plan.finishReason, cancelled: false, firstTokenMs });
}
