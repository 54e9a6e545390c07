/** `POST /chat/completions` — JSON answer or SSE stream; management keys are refused. */
import { authenticate } from '../auth';
import { finalizeCompletion, planCompletion, usageJson } from '../completion';
import { RequestContext } from '../context';
import { sendJson } from '../http';
import { choiceErrorJson, streamCompletion } from '../sse';

export async function postChatCompletions(ctx: RequestContext): Promise<void> {
  const key = authenticate(ctx, 'inference');
  if (!key) return;
  const result = planCompletion(ctx, key);
  if (!('plan' in result)) {
    sendJson(ctx.res, result.status, result.body, result.headers);
    return;
  }
  const { plan } = result;
  if (plan.stream) {
    await streamCompletion(ctx.res, ctx.core, plan, ctx.core.faults.takeStreamFault());
    return;
  }
  // A failure after generation started is still HTTP 200, with the error inside the choice.
  const fault = ctx.core.faults.takeStreamFault(false);
  const failed = fault?.kind === 'choice-error' ? fault : undefined;
  const completionTokens = failed ? Math.min(failed.afterTokens, plan.pieces.length) : plan.pieces.length;
  const finishReason = failed ? 'error' : plan.finishReason;
  const usage = usageJson(plan, completionTokens);
  finalizeCompletion(ctx.core, plan, { completionTokens, finishReason, cancelled: false, firstTokenMs: null });
  sendJson(
    ctx.res,
    200,
    {
      id: plan.id,
      provider: plan.endpoint.provider,
      model: plan.model.id,
      object: 'chat.completion',
      created: Math.floor(plan.startedAt.getTime() / 1000),
      system_fingerprint: 'fp_sim0001',
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: finishReason,
          native_finish_reason: finishReason,
          message: { role: 'assistant', content: plan.pieces.slice(0, completionTokens).join(''), refusal: null, reasoning: null },
          ...(failed ? { error: choiceErrorJson(failed) } : {}),
        },
      ],
      usage,
    },
    { 'x-generation-id': plan.id },
  );
}
