/**
 * Generation ids typed or pasted by the user are checked before any request: OpenRouter's ids
 * (`gen-1752600000-AbC…`, `gen-3bhGkxlo…`) are short runs of letters, digits and `-_.:`. A line
 * copied from another tool's log (`X-Generation-Id: gen-…`, quotes, trailing punctuation) is
 * reduced to the id. Anything else gets a reason and no request.
 */
import { plainTranslate, type Translate } from '../util/l10n';

const MAX_ID_LENGTH = 200;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const HEADER_PREFIX = /^\s*(?:x-generation-id|generation[ _-]?id|id)\s*[:=]\s*/i;

export type ParsedGenerationId = { ok: true; id: string } | { ok: false; problem: string };

export function parseGenerationId(input: string, t: Translate = plainTranslate): ParsedGenerationId {
  const id = input.replace(HEADER_PREFIX, '').trim().replace(/^["'`]+|["'`,;.]+$/g, '');
  if (id === '') return { ok: false, problem: t('Type or paste a generation id (it looks like "gen-1752600000-AbCd…").') };
  if (id.length > MAX_ID_LENGTH) return { ok: false, problem: t('This is too long for a generation id ({0} characters).', id.length) };
  if (/\s/.test(id)) return { ok: false, problem: t('A generation id has no spaces or line breaks inside it.') };
  if (!ID_PATTERN.test(id)) return { ok: false, problem: t('A generation id has only letters, digits and "-", "_", ".", ":" — this has other characters.') };
  return { ok: true, id };
}

/** The request time OpenRouter embeds in `gen-<unix seconds>-…` ids, when there is one. */
export function embeddedTime(id: string): number | undefined {
  const m = /^gen-(\d{9,11})-/.exec(id);
  return m ? Number(m[1]) * 1000 : undefined;
}

/**
 * The generation on OpenRouter's Logs page. OpenRouter documents that the page filters by
 * generation id and keeps its filters in the URL, and shows its own filters as snake_case query
 * parameters (`/logs?api_key_hash=…`, `/logs?tab=sessions&session_id=…`); the name of the
 * generation filter itself is not documented — `generation_id` is the form seen in use.
 */
export function openRouterLogsUrl(id: string): string {
  return `https://openrouter.ai/logs?generation_id=${encodeURIComponent(id)}`;
}
