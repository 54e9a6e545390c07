/**
 * The chat's view of the ledger, resolved at every write rather than once per call: when the
 * ledger worker crashes while an answer streams, the window opens a new worker, and the call's
 * outcome is recorded through that one instead of failing against the dead connection (the
 * pending row is in the journal, so the new worker finds it by uid). No `vscode` import.
 */
import type { Ledger } from '../ledger';
import type { ChatLedger } from './chatController';

type SinkLedger = Pick<Ledger, 'appendGeneration' | 'attachGenerationId' | 'finishGeneration'> & {
  readonly queries: Pick<Ledger['queries'], 'summary'>;
};

/** `ledger()` opens (or reopens after a crash) the ledger; it is asked again for every write. */
export function reopeningChatLedger(ledger: () => Promise<SinkLedger>, now: () => number = Date.now): ChatLedger {
  return {
    appendGeneration: async (row) => (await ledger()).appendGeneration(row),
    attachGenerationId: async (uid, generationId) => (await ledger()).attachGenerationId(uid, generationId),
    finishGeneration: async (uid, patch) => (await ledger()).finishGeneration(uid, patch),
    spentSince: async (from) => {
      const totals = await (await ledger()).queries.summary({ from: from.getTime(), to: now() + 1 });
      return { usd: totals.cost, uncosted: totals.uncosted ?? 0 };
    },
  };
}
