/** `startSimulator()`: builds the account (management key + default inference key) and the server. */
import { startServer } from './server';
import { AccountState } from './state';
import { addDays, startOfUtcDay } from './time';
import { GenerationSummary, Simulator, SimulatorOptions } from './types';

const DEFAULT_TOTAL_CREDITS = 25;
const HOUR_MS = 3_600_000;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? (() => new Date());
  const state = new AccountState(options.totalCredits ?? DEFAULT_TOTAL_CREDITS, now);
  const management = state.addKey({ name: 'Simulator management key', management: true });
  const inference = state.addKey({ name: 'Simulator default key' });
  const running = await startServer(options, state);
  const { core } = running;

  return {
    origin: running.origin,
    baseUrl: `${running.origin}/api/v1`,
    managementKey: management.key,
    inferenceKey: inference.key,
    close: () => running.close(),

    createKey(opts) {
      const record = state.addKey(opts);
      return { key: record.key, hash: record.hash };
    },
    setAccountCredits(totalCredits, totalUsage) {
      state.totalCredits = totalCredits;
      if (totalUsage !== undefined) state.totalUsage = totalUsage;
    },
    setKeyUsage(hashOrKey, usage) {
      state.requireKey(hashOrKey).spend = [{ at: now(), amount: usage }];
    },
    seedActivity(rows) {
      const today = startOfUtcDay(now());
      for (const row of rows) {
        state.activitySeeds.push({ ...row, keyHash: row.keyHash ?? inference.hash, at: new Date(addDays(today, -row.daysAgo).getTime() + 12 * HOUR_MS) });
      }
    },
    seedKeys(count) {
      // Older than every existing key, spaced one hour apart, so "newest first" order is predictable.
      const oldest = Math.min(...[...state.keys.values()].map((k) => k.createdAt.getTime()), now().getTime());
      for (let i = 1; i <= count; i++) {
        state.addKey({ name: `Seeded key ${i}`, createdAt: new Date(oldest - i * HOUR_MS) });
      }
    },

    injectFault: (fault) => core.faults.add(fault),
    clearFaults: () => core.faults.clear(),
    configure: (patch) => void Object.assign(core.options, patch),

    get requests() {
      return running.requests;
    },
    generations(): GenerationSummary[] {
      return state.generations.map((g) => ({
        id: g.id, model: g.model, cost: g.cost, cancelled: g.cancelled, streamed: g.streamed, finishReason: g.finishReason,
        promptTokens: g.promptTokens, completionTokens: g.completionTokens, keyHash: g.keyHash,
      }));
    },
    keyState(hashOrKey) {
      const record = state.requireKey(hashOrKey);
      return { usage: state.usageWindows(record).usage, limit: record.limit, limitRemaining: state.limitRemaining(record) };
    },
    accountState: () => ({ totalCredits: state.totalCredits, totalUsage: state.totalUsage }),
  };
}
