/**
 * The simulator's model catalogue: a fixed, deterministic copy of what /models returns, with
 * decimal-string prices in USD per token (request: per request). It covers every pricing
 * feature a client must handle: cache-read prices, a `discount`, `overrides` by prompt size
 * and by UTC time window (wrapping midnight), a `:free` variant and a router with "-1" prices.
 */
import { uuidFrom } from './ids';

/** A model id with HTML markup in it (see the catalogue entry). */
export const MARKUP_MODEL_ID = 'acme/<img src=x onerror="window.__pwned=true">';

export interface PriceOverrideSpec {
  min_prompt_tokens?: number;
  utc_start?: string;
  utc_end?: string;
  [priceKey: string]: string | number | undefined;
}

export interface PricingSpec {
  prompt: string;
  completion: string;
  request?: string;
  image?: string;
  web_search?: string;
  internal_reasoning?: string;
  input_cache_read?: string;
  input_cache_write?: string;
  discount?: number;
  overrides?: PriceOverrideSpec[];
}

export interface ModelSpec {
  id: string;
  name: string;
  provider: string;
  created: number;
  contextLength: number;
  maxCompletionTokens: number | null;
  inputModalities: string[];
  tokenizer: string;
  pricing: PricingSpec;
  /** Routers pick a concrete model; the served model is echoed back. */
  routesTo?: string;
  description: string;
}

const CHAT_PARAMS = ['max_tokens', 'temperature', 'top_p', 'stop', 'seed', 'response_format', 'tools', 'tool_choice'];

export const MODELS: readonly ModelSpec[] = [
  {
    id: 'openai/gpt-4o', name: 'OpenAI: GPT-4o', provider: 'OpenAI', created: 1715367049,
    contextLength: 128000, maxCompletionTokens: 16384, inputModalities: ['text', 'image', 'file'], tokenizer: 'GPT',
    pricing: { prompt: '0.0000025', completion: '0.00001', request: '0', image: '0.003613', web_search: '0', internal_reasoning: '0', input_cache_read: '0.00000125' },
    description: 'GPT-4o is OpenAI\'s flagship multimodal model.',
  },
  {
    id: 'openai/gpt-4o-mini', name: 'OpenAI: GPT-4o-mini', provider: 'OpenAI', created: 1721260800,
    contextLength: 128000, maxCompletionTokens: 16384, inputModalities: ['text', 'image', 'file'], tokenizer: 'GPT',
    pricing: { prompt: '0.00000015', completion: '0.0000006', request: '0', image: '0.000217', web_search: '0', internal_reasoning: '0', input_cache_read: '0.000000075' },
    description: 'A small, affordable GPT-4o variant.',
  },
  {
    id: 'anthropic/claude-sonnet-4', name: 'Anthropic: Claude Sonnet 4', provider: 'Anthropic', created: 1747930371,
    contextLength: 200000, maxCompletionTokens: 64000, inputModalities: ['text', 'image', 'file'], tokenizer: 'Claude',
    pricing: { prompt: '0.000003', completion: '0.000015', request: '0', image: '0.0048', web_search: '0', internal_reasoning: '0', input_cache_read: '0.0000003', input_cache_write: '0.00000375' },
    description: 'Claude Sonnet 4 balances capability and speed.',
  },
  {
    id: 'google/gemini-2.5-pro', name: 'Google: Gemini 2.5 Pro', provider: 'Google', created: 1750169544,
    contextLength: 1048576, maxCompletionTokens: 65536, inputModalities: ['text', 'image', 'file', 'audio'], tokenizer: 'Gemini',
    pricing: {
      prompt: '0.00000125', completion: '0.00001', request: '0', image: '0.00516', web_search: '0', internal_reasoning: '0', input_cache_read: '0.00000031',
      overrides: [{ min_prompt_tokens: 200000, prompt: '0.0000025', completion: '0.000015', input_cache_read: '0.000000625' }],
    },
    description: 'Gemini 2.5 Pro; long prompts (over 200K tokens) are billed at a higher tier.',
  },
  {
    id: 'qwen/qwen3-max', name: 'Qwen: Qwen3 Max', provider: 'Alibaba', created: 1758643200,
    contextLength: 256000, maxCompletionTokens: 32768, inputModalities: ['text'], tokenizer: 'Qwen3',
    pricing: {
      prompt: '0.0000012', completion: '0.000006', request: '0',
      overrides: [
        { min_prompt_tokens: 32000, prompt: '0.0000024', completion: '0.000012' },
        { min_prompt_tokens: 128000, prompt: '0.000003' },
      ],
    },
    description: 'Qwen3 Max with tiered pricing: above 32K and above 128K prompt tokens.',
  },
  {
    id: 'deepseek/deepseek-chat-v3', name: 'DeepSeek: DeepSeek V3', provider: 'DeepSeek', created: 1735084800,
    contextLength: 163840, maxCompletionTokens: 8192, inputModalities: ['text'], tokenizer: 'DeepSeek',
    pricing: {
      prompt: '0.00000027', completion: '0.0000011', request: '0', input_cache_read: '0.00000007',
      overrides: [{ utc_start: '1630', utc_end: '0030', prompt: '0.000000135', completion: '0.00000055' }],
    },
    description: 'DeepSeek V3; off-peak prices between 16:30 and 00:30 UTC.',
  },
  {
    id: 'mistralai/mistral-large', name: 'Mistral: Mistral Large', provider: 'Mistral', created: 1708905600,
    contextLength: 131072, maxCompletionTokens: null, inputModalities: ['text'], tokenizer: 'Mistral',
    pricing: { prompt: '0.000002', completion: '0.000006', request: '0', discount: 0.25 },
    description: 'Mistral Large, currently discounted by 25%.',
  },
  {
    id: 'perplexity/sonar', name: 'Perplexity: Sonar', provider: 'Perplexity', created: 1738013808,
    contextLength: 127072, maxCompletionTokens: null, inputModalities: ['text', 'image'], tokenizer: 'Other',
    pricing: { prompt: '0.000001', completion: '0.000001', request: '0.005', web_search: '0.005' },
    description: 'Sonar answers with web citations; every request carries a fixed fee.',
  },
  {
    id: 'meta-llama/llama-3.3-70b-instruct', name: 'Meta: Llama 3.3 70B Instruct', provider: 'DeepInfra', created: 1733506137,
    contextLength: 131072, maxCompletionTokens: 16384, inputModalities: ['text'], tokenizer: 'Llama3',
    pricing: { prompt: '0.00000013', completion: '0.00000039', request: '0' },
    description: 'Llama 3.3 70B, multilingual instruction-tuned model.',
  },
  {
    id: 'meta-llama/llama-3.3-70b-instruct:free', name: 'Meta: Llama 3.3 70B Instruct (free)', provider: 'Chutes', created: 1733506137,
    contextLength: 65536, maxCompletionTokens: 8192, inputModalities: ['text'], tokenizer: 'Llama3',
    pricing: { prompt: '0', completion: '0', request: '0', image: '0', web_search: '0', internal_reasoning: '0' },
    description: 'Free variant of Llama 3.3 70B (rate-limited).',
  },
  {
    id: 'openrouter/auto', name: 'Auto Router', provider: 'OpenRouter', created: 1699401600,
    contextLength: 2000000, maxCompletionTokens: null, inputModalities: ['text', 'image'], tokenizer: 'Router',
    pricing: { prompt: '-1', completion: '-1' }, routesTo: 'openai/gpt-4o-mini',
    description: 'Routes each prompt to a suitable model; the price depends on the model chosen.',
  },
  {
    // Hostile strings from the API: every view must show this id and name as literal text and run nothing.
    id: MARKUP_MODEL_ID, name: 'Acme: <script>window.__pwned = true</script><b>Bold</b>', provider: 'Acme', created: 1735689600,
    contextLength: 32768, maxCompletionTokens: 4096, inputModalities: ['text'], tokenizer: 'Other',
    pricing: { prompt: '0.000001', completion: '0.000002', request: '0' },
    description: 'A model whose id and name contain HTML markup (for escaping tests).',
  },
];

/** Account default used when a request names no model. */
export const DEFAULT_MODEL_ID = 'openai/gpt-4o-mini';

export function findModel(id: string): ModelSpec | undefined {
  return MODELS.find((m) => m.id === id);
}

/** Models that exist nowhere upstream: any id containing "unavailable" is "down" (fallback tests). */
export function isDownModel(id: string): boolean {
  return id.includes('unavailable');
}

export function endpointIdOf(modelId: string): string {
  return uuidFrom(`endpoint:${modelId}`);
}

export function permaslugOf(model: ModelSpec): string {
  const base = model.id.replace(/:free$/, '');
  return `${base}-${new Date(model.created * 1000).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

function modelJson(m: ModelSpec): Record<string, unknown> {
  const { discount, overrides, ...prices } = m.pricing;
  const pricing: Record<string, unknown> = { ...prices };
  if (discount !== undefined) pricing.discount = discount;
  if (overrides !== undefined) pricing.overrides = overrides;
  const modality = `${m.inputModalities.join('+')}->text`;
  return {
    id: m.id,
    canonical_slug: permaslugOf(m),
    hugging_face_id: null,
    name: m.name,
    created: m.created,
    description: m.description,
    context_length: m.contextLength,
    architecture: { modality, input_modalities: m.inputModalities, output_modalities: ['text'], tokenizer: m.tokenizer, instruct_type: null },
    pricing,
    top_provider: { context_length: m.contextLength, max_completion_tokens: m.maxCompletionTokens, is_moderated: m.provider === 'OpenAI' },
    per_request_limits: null,
    supported_parameters: CHAT_PARAMS,
    default_parameters: null,
    links: { details: `/api/v1/models/${m.id.replace(/:free$/, '')}/endpoints` },
  };
}

/** Body of GET /models; `offset`/`limit` page the list (both absent = everything, `links.next` null). */
export function modelsBody(offset: number | undefined, limit: number | undefined, origin: string): Record<string, unknown> {
  const all = MODELS.map(modelJson);
  if (offset === undefined && limit === undefined) return { data: all, total_count: all.length, links: { next: null } };
  const start = offset ?? 0;
  const size = limit ?? 500;
  const page = all.slice(start, start + size);
  const next = start + size < all.length ? `${origin}/api/v1/models?offset=${start + size}&limit=${size}` : null;
  return { data: page, total_count: all.length, links: { next } };
}

export function modelBody(m: ModelSpec): Record<string, unknown> {
  return modelJson(m);
}
