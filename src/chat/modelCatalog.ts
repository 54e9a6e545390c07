/**
 * The /models price list: cached in the ledger (so every window and a restart reuse it), refreshed
 * once a day or on demand. Pre-flight estimates and the model picker read from here.
 */
import type { OpenRouterClient } from '../openrouter/client';
import type { ModelInfo } from '../openrouter/types';
import type { CachedModelPrice } from '../ledger/types';

export interface PriceCache {
  getModelPrices(): CachedModelPrice[] | Promise<CachedModelPrice[]>;
  putModelPrices(models: ModelInfo[], fetchedAt: string | number): Promise<void>;
}

export const MODEL_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Routing suffixes that pick a provider but keep the base model's listed price. */
const ROUTING_SUFFIXES = [':floor', ':nitro', ':online'];

export function baseModelId(id: string): string {
  const suffix = ROUTING_SUFFIXES.find((s) => id.endsWith(s));
  return suffix ? id.slice(0, -suffix.length) : id;
}

export class ModelCatalog {
  private memory: { models: ModelInfo[]; fetchedAt: number } | undefined;
  private loading: Promise<ModelInfo[]> | undefined;

  constructor(
    private readonly client: () => Pick<OpenRouterClient, 'listModels'>,
    private readonly cache: () => Promise<PriceCache>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Cached list when it is fresh; otherwise fetched (and cached). A failed fetch falls back to a stale cache. */
  async models(options: { refresh?: boolean } = {}): Promise<ModelInfo[]> {
    if (!options.refresh && this.memory && this.now() - this.memory.fetchedAt < MODEL_CACHE_MAX_AGE_MS) {
      return this.memory.models;
    }
    this.loading ??= this.load(options.refresh ?? false).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** The price entry for a model id, including `:floor`-style routing variants of a listed model. */
  async find(id: string): Promise<ModelInfo | undefined> {
    const models = await this.models();
    return models.find((m) => m.id === id) ?? models.find((m) => m.id === baseModelId(id));
  }

  /** Age of the list in use, for the picker's "prices from … ago". */
  get fetchedAt(): number | undefined {
    return this.memory?.fetchedAt;
  }

  private async load(refresh: boolean): Promise<ModelInfo[]> {
    const cache = await this.cache();
    // Only the latest fetch counts: models OpenRouter has retired since keep older rows.
    const all = await cache.getModelPrices();
    const cachedAt = all.reduce((newest, c) => Math.max(newest, Date.parse(c.fetchedAt) || 0), 0);
    const cached = all.filter((c) => Date.parse(c.fetchedAt) === cachedAt);
    if (!refresh && cached.length && this.now() - cachedAt < MODEL_CACHE_MAX_AGE_MS) {
      this.memory = { models: cached.map((c) => c.model), fetchedAt: cachedAt };
      return this.memory.models;
    }
    try {
      const models = await this.client().listModels();
      const fetchedAt = this.now();
      await cache.putModelPrices(models, fetchedAt);
      this.memory = { models, fetchedAt };
      return models;
    } catch (err) {
      if (!cached.length) throw err;
      this.memory = { models: cached.map((c) => c.model), fetchedAt: cachedAt };
      return this.memory.models;
    }
  }
}
