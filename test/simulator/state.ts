/**
 * The simulated account: its credits, its keys (each with a dated spend history so the daily,
 * weekly and monthly counters are real windows), its generations and seeded activity.
 * One account per simulator; every key belongs to it.
 */
import { hashKey, keyLabel, newKeySecret, uuidFrom } from './ids';
import { startOfUtcDay, startOfUtcMonth, startOfUtcWeek } from './time';
import { LimitReset, SeedActivityRow } from './types';

export const CREATOR_USER_ID = 'user_2dHFtVWx2n56w6HkM0000000000';
export const DEFAULT_WORKSPACE_ID = uuidFrom('workspace:default');

export interface SpendEvent {
  at: Date;
  amount: number;
}

export interface KeyRecord {
  key: string;
  hash: string;
  name: string;
  label: string;
  disabled: boolean;
  management: boolean;
  limit: number | null;
  limitReset: LimitReset;
  includeByokInLimit: boolean;
  spend: SpendEvent[];
  createdAt: Date;
  updatedAt: Date | null;
  expiresAt: string | null;
  /** Creation order; breaks ties between equal timestamps (newest first = highest seq). */
  seq: number;
}

export interface GenerationRecord {
  id: string;
  upstreamId: string;
  model: string;
  router: string | null;
  provider: string;
  /** The endpoint (provider offering of the model) that served it; /activity groups by it. */
  endpointId: string;
  /** Providers tried first that were down (a 503 each) before `provider` served it. */
  failedAttempts: Array<{ provider: string; endpointId: string }>;
  keyHash: string;
  createdAt: Date;
  /** Real wall-clock ms after which /generation answers 200. */
  availableAt: number;
  promptTokens: number;
  completionTokens: number;
  normalizedPromptTokens: number;
  normalizedCompletionTokens: number;
  cost: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  cacheDiscount: number | null;
  upstreamCost: number | null;
  isByok: boolean;
  streamed: boolean;
  cancelled: boolean;
  finishReason: string | null;
  latencyMs: number;
  generationTimeMs: number;
  externalUser: string | null;
  sessionId: string | null;
  httpReferer: string | null;
  userAgent: string | null;
}

export interface ActivitySeed {
  date: string;
  model: string;
  provider: string;
  usage: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  keyHash: string;
  byok: number;
}

export interface UsageWindows {
  usage: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export class AccountState {
  totalCredits: number;
  totalUsage = 0;
  readonly keys = new Map<string, KeyRecord>();
  readonly generations: GenerationRecord[] = [];
  readonly activitySeeds: Array<SeedActivityRow & { keyHash: string; at: Date }> = [];
  /** Requests to `:free` models per UTC date, for `free_model_daily_requests`. */
  readonly freeRequestsByDate = new Map<string, number>();
  private nextSeq = 0;

  constructor(totalCredits: number, private readonly now: () => Date) {
    this.totalCredits = totalCredits;
  }

  addKey(opts: {
    name?: string; limit?: number | null; limitReset?: LimitReset; disabled?: boolean; management?: boolean;
    includeByokInLimit?: boolean; expiresAt?: string | null; createdAt?: Date;
  }): KeyRecord {
    const key = newKeySecret();
    const record: KeyRecord = {
      key,
      hash: hashKey(key),
      name: opts.name ?? `Key ${this.nextSeq + 1}`,
      label: keyLabel(key),
      disabled: opts.disabled ?? false,
      management: opts.management ?? false,
      limit: opts.limit ?? null,
      limitReset: opts.limitReset ?? null,
      includeByokInLimit: opts.includeByokInLimit ?? false,
      spend: [],
      createdAt: opts.createdAt ?? this.now(),
      updatedAt: null,
      expiresAt: opts.expiresAt ?? null,
      seq: this.nextSeq++,
    };
    this.keys.set(record.hash, record);
    return record;
  }

  /** Accepts a key hash or the full key text. */
  findKey(hashOrKey: string): KeyRecord | undefined {
    return this.keys.get(hashOrKey) ?? this.keys.get(hashKey(hashOrKey));
  }

  requireKey(hashOrKey: string): KeyRecord {
    const record = this.findKey(hashOrKey);
    if (!record) throw new Error(`simulator: no such key ${hashOrKey.slice(0, 12)}…`);
    return record;
  }

  /** Bills a completion: the key's counters and the account's total usage move together. */
  bill(keyHash: string, amount: number, at: Date): void {
    this.keys.get(keyHash)?.spend.push({ at, amount });
    this.totalUsage += amount;
  }

  usageWindows(record: KeyRecord): UsageWindows {
    const now = this.now();
    const day = startOfUtcDay(now).getTime();
    const week = startOfUtcWeek(now).getTime();
    const month = startOfUtcMonth(now).getTime();
    const w: UsageWindows = { usage: 0, daily: 0, weekly: 0, monthly: 0 };
    for (const e of record.spend) {
      const t = e.at.getTime();
      w.usage += e.amount;
      if (t >= day) w.daily += e.amount;
      if (t >= week) w.weekly += e.amount;
      if (t >= month) w.monthly += e.amount;
    }
    return w;
  }

  /** BYOK spend of a key (the providers' charges on its BYOK generations), in the same UTC windows. */
  byokWindows(record: KeyRecord): UsageWindows {
    const now = this.now();
    const [day, week, month] = [startOfUtcDay(now), startOfUtcWeek(now), startOfUtcMonth(now)].map((d) => d.getTime());
    const w: UsageWindows = { usage: 0, daily: 0, weekly: 0, monthly: 0 };
    for (const g of this.generations) {
      if (g.keyHash !== record.hash || !g.isByok || g.upstreamCost === null) continue;
      const t = g.createdAt.getTime();
      w.usage += g.upstreamCost;
      if (t >= day) w.daily += g.upstreamCost;
      if (t >= week) w.weekly += g.upstreamCost;
      if (t >= month) w.monthly += g.upstreamCost;
    }
    return w;
  }

  /** limit − spend within the reset window; never below 0; null without a limit. */
  limitRemaining(record: KeyRecord): number | null {
    if (record.limit === null) return null;
    const w = this.usageWindows(record);
    const used = record.limitReset === 'daily' ? w.daily : record.limitReset === 'weekly' ? w.weekly : record.limitReset === 'monthly' ? w.monthly : w.usage;
    return Math.max(0, record.limit - used);
  }

  balance(): number {
    return this.totalCredits - this.totalUsage;
  }

  /** Inference keys of the account (management keys live elsewhere in OpenRouter's UI). */
  listedKeys(): KeyRecord[] {
    return [...this.keys.values()]
      .filter((k) => !k.management)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq);
  }
}
