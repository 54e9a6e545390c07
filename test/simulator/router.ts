/** Route table: method + path pattern below /api/v1 → handler. */
import { RouteHandler } from './context';
import { getCredits, getKey } from './routes/account';
import { getActivity } from './routes/activity';
import { postChatCompletions } from './routes/chat';
import { getGeneration } from './routes/generation';
import { createKey, deleteKey, getKeyByHash, listKeys, patchKey } from './routes/keys';
import { getModel, getModels } from './routes/models';
import { getAnalyticsMeta, postAnalyticsQuery } from './routes/analytics';

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

const SEGMENT = '([^/]+)';

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/key$/, handler: getKey },
  { method: 'GET', pattern: /^\/auth\/key$/, handler: getKey },
  { method: 'GET', pattern: /^\/credits$/, handler: getCredits },
  { method: 'GET', pattern: /^\/activity$/, handler: getActivity },
  { method: 'GET', pattern: /^\/keys$/, handler: listKeys },
  { method: 'POST', pattern: /^\/keys$/, handler: createKey },
  { method: 'GET', pattern: new RegExp(`^/keys/${SEGMENT}$`), handler: getKeyByHash },
  { method: 'PATCH', pattern: new RegExp(`^/keys/${SEGMENT}$`), handler: patchKey },
  { method: 'DELETE', pattern: new RegExp(`^/keys/${SEGMENT}$`), handler: deleteKey },
  { method: 'GET', pattern: /^\/generation$/, handler: getGeneration },
  { method: 'GET', pattern: /^\/models$/, handler: getModels },
  { method: 'GET', pattern: new RegExp(`^/model/${SEGMENT}/${SEGMENT}$`), handler: getModel },
  { method: 'POST', pattern: /^\/chat\/completions$/, handler: postChatCompletions },
  { method: 'GET', pattern: /^\/analytics\/meta$/, handler: getAnalyticsMeta },
  { method: 'POST', pattern: /^\/analytics\/query$/, handler: postAnalyticsQuery },
];

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export type Match = { handler: RouteHandler; params: string[] } | 'method-not-allowed' | 'not-found';

export function matchRoute(method: string, route: string): Match {
  let pathKnown = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(route);
    if (!m) continue;
    pathKnown = true;
    if (r.method === method) return { handler: r.handler, params: m.slice(1).map(decodeSegment) };
  }
  return pathKnown ? 'method-not-allowed' : 'not-found';
}
