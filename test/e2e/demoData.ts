/**
 * Three weeks of realistic history for `npm run demo`: requests over several models, users,
 * workspaces, branches, tags and chat sessions, a BYOK call, errors and a cancelled stream,
 * daily credit readings, and the matching OpenRouter /activity rows in the simulator. Costs use
 * the simulator's prices, so the dashboard's two sources agree. Deterministic (seeded).
 */
import { openLedger } from '../../src/ledger';
import type { GenerationInput } from '../../src/ledger/types';
import type { SeedActivityRow, Simulator } from '../simulator';

const DAY = 86_400_000;
const HISTORY_DAYS = 21;
const MODELS: { id: string; prompt: number; completion: number; weight: number; provider: string }[] = [
  { id: 'openai/gpt-4o-mini', prompt: 0.15e-6, completion: 0.6e-6, weight: 5, provider: 'OpenAI' },
  { id: 'anthropic/claude-sonnet-4', prompt: 3e-6, completion: 15e-6, weight: 3, provider: 'Anthropic' },
  { id: 'openai/gpt-4o', prompt: 2.5e-6, completion: 10e-6, weight: 2, provider: 'OpenAI' },
  { id: 'deepseek/deepseek-chat-v3', prompt: 0.27e-6, completion: 1.1e-6, weight: 2, provider: 'DeepSeek' },
  { id: 'google/gemini-2.5-pro', prompt: 1.25e-6, completion: 10e-6, weight: 1, provider: 'Google' },
];
const USERS = ['alice', 'bob', 'carol'];
const WORKSPACES = [['api-server', 'main'], ['api-server', 'feature/rate-limits'], ['web-app', 'main'], ['web-app', 'fix/login']];
const TAGS = [['bugfix'], ['docs'], ['refactor', 'bugfix'], []];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedDemo(globalStorage: string, wasmPath: string, sim: Simulator, keyLabel: string, now = Date.now()): Promise<{ rows: number; spend: number }> {
  const rnd = random(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const weighted = MODELS.flatMap((m) => Array.from({ length: m.weight }, () => m));
  const rows: GenerationInput[] = [];
  const activity = new Map<string, SeedActivityRow>();
  for (let daysAgo = HISTORY_DAYS; daysAgo >= 0; daysAgo--) {
    const dayStart = Math.floor((now - daysAgo * DAY) / DAY) * DAY;
    const weekend = [0, 6].includes(new Date(dayStart).getUTCDay());
    const count = Math.floor((weekend ? 8 : 30) + rnd() * (weekend ? 10 : 50));
    for (let i = 0; i < count; i++) {
      const hour = 7 + Math.floor(rnd() * 13);
      const ts = dayStart + hour * 3_600_000 + Math.floor(rnd() * 3_600_000);
      if (ts > now - 60_000) continue;
      const m = pick(weighted);
      const prompt = 200 + Math.floor(rnd() * 6000);
      const completion = 50 + Math.floor(rnd() * 1200);
      const roll = rnd();
      const status: GenerationInput['status'] = roll < 0.02 ? 'error' : roll < 0.03 ? 'cancelled' : 'success';
      const billedCompletion = status === 'error' ? 0 : status === 'cancelled' ? Math.floor(completion / 3) : completion;
      const cost = status === 'error' ? 0 : prompt * m.prompt + billedCompletion * m.completion;
      const [workspace, gitBranch] = pick(WORKSPACES);
      rows.push({
        generationId: status === 'error' ? null : `gen-${Math.floor(ts / 1000)}-demo${String(rows.length).padStart(14, '0')}`,
        ts, modelRequested: m.id, modelUsed: m.id, provider: m.provider,
        promptTokens: prompt, completionTokens: billedCompletion, totalCost: cost, costSource: 'generation',
        latencyMs: status === 'error' ? 300 + Math.floor(rnd() * 400) : 600 + Math.floor(rnd() * 9000), status,
        httpStatus: status === 'error' ? pick([429, 502]) : 200, errorCode: status === 'error' ? null : null,
        finishReason: status === 'success' ? 'stop' : null, streamed: true,
        userId: pick(USERS), tags: pick(TAGS), workspace, gitBranch, keyLabel, chatSession: `chat-${daysAgo}-${Math.floor(i / 6)}`,
        backfill: 'done',
      });
      if (daysAgo >= 1 && status !== 'error') {
        const key = `${daysAgo}|${m.id}`;
        const a = activity.get(key) ?? { daysAgo, model: m.id, provider: m.provider, usage: 0, requests: 0, promptTokens: 0, completionTokens: 0 };
        a.usage += cost;
        a.requests += 1;
        a.promptTokens = (a.promptTokens ?? 0) + prompt;
        a.completionTokens = (a.completionTokens ?? 0) + billedCompletion;
        activity.set(key, a);
      }
    }
  }
  // One call through the user's own provider key (BYOK): OpenRouter's fee only, upstream cost aside.
  rows.push({
    generationId: `gen-${Math.floor((now - 3 * DAY) / 1000)}-demoByok0000000000`, ts: now - 3 * DAY, modelRequested: 'anthropic/claude-sonnet-4',
    modelUsed: 'anthropic/claude-sonnet-4', provider: 'Anthropic', promptTokens: 1200, completionTokens: 400, totalCost: 0.0011,
    upstreamInferenceCost: 0.0096, isByok: true, costSource: 'generation', latencyMs: 2400, status: 'success', streamed: true,
    userId: 'alice', workspace: 'api-server', gitBranch: 'main', keyLabel, backfill: 'done',
  });

  const ledger = await openLedger({ dir: globalStorage, wasmPath });
  try {
    for (const row of rows) await ledger.appendGeneration(row);
    const spend = rows.reduce((s, r) => s + (r.totalCost ?? 0), 0);
    // Daily credit readings: the account started with $60 three weeks ago.
    const credits = 60;
    let used = 0;
    for (let daysAgo = HISTORY_DAYS; daysAgo >= 0; daysAgo--) {
      const at = now - daysAgo * DAY;
      used = rows.filter((r) => Number(r.ts) <= at).reduce((s, r) => s + (r.totalCost ?? 0), 0);
      await ledger.addCreditSnapshot({ at, keyLabel, credits: { totalCredits: credits, totalUsage: used } });
    }
    sim.setAccountCredits(credits, spend);
    sim.seedActivity([...activity.values()]);
    return { rows: rows.length, spend };
  } finally {
    await ledger.close();
  }
}
