/**
 * The generation look-up against the simulator over real HTTP: ids are checked before any request
 * and sent URL-encoded; a fresh id is retried through /generation's 404 lag; an unknown or old id
 * gets its answer quickly; the details document lists every provider attempt of a fallback,
 * shows OpenRouter and the ledger side by side with each difference marked, and renders hostile
 * API strings as text (checked with markdown-it, the renderer of VS Code's Markdown preview,
 * with HTML and linkify on as there).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import { readGeneration } from '../../src/openrouter/normalize';
import type { LocalLedger } from '../../src/ledger';
import { fieldsFromGeneration } from '../../src/chat/backfill';
import { buildDetailsMarkdown, compareWithLedger } from '../../src/lookup/detailsDocument';
import { fetchGeneration } from '../../src/lookup/fetchGeneration';
import { embeddedTime, openRouterLogsUrl, parseGenerationId } from '../../src/lookup/generationId';
import { mdText } from '../../src/lookup/markdownText';
import { startSimulator, type Simulator } from '../simulator';
import { simulatorClient } from './helpers/simulatorClient';
import { open, tempDir } from './helpers/ledgerFixtures';

// markdown-it ships with @vscode/vsce; no types are installed for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (options: { html: boolean; linkify: boolean }) => { render(text: string): string };
const markdown = new MarkdownIt({ html: true, linkify: true });

const HOSTILE = ['<img src=x onerror=alert(1)>', '**bold**|pipe', '[click](javascript:alert(1))', 'line\n# heading', 'https://evil.example/x', '`code` _em_ ~~s~~'];

let sim: Simulator;
let transport: ClosableTransport;
let client: OpenRouterClient;

before(async () => {
  sim = await startSimulator({ generationDelayMs: 1_200, streamChunkDelayMs: 1 });
  transport = undiciTransport();
  client = simulatorClient(sim, transport);
});

after(async () => {
  await transport.close();
  await sim.close();
});

const generationRequests = () => sim.requests.filter((r) => r.path === '/api/v1/generation');

describe('generation ids', () => {
  it('accepts OpenRouter ids and lines copied from logs, refuses the rest with a reason', () => {
    assert.deepEqual(parseGenerationId('gen-1752600000-AbCdEfGhIj0123456789'), { ok: true, id: 'gen-1752600000-AbCdEfGhIj0123456789' });
    assert.deepEqual(parseGenerationId('  X-Generation-Id: gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG  '), { ok: true, id: 'gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG' });
    assert.deepEqual(parseGenerationId('"gen-abc123",'), { ok: true, id: 'gen-abc123' });
    for (const [bad, why] of [['', /Type or paste/], ['gen-1 2', /no spaces/], ['gen-1/../../keys', /other characters/], ['gen-1&id=x', /other characters/], ['x'.repeat(201), /too long/]] as const) {
      const parsed = parseGenerationId(bad);
      assert.equal(parsed.ok, false, bad);
      assert.match(parsed.ok ? '' : parsed.problem, why);
    }
    assert.equal(embeddedTime('gen-1752600000-AbC'), 1_752_600_000_000);
    assert.equal(embeddedTime('gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG'), undefined);
  });

  it('sends the id URL-encoded as the only query parameter', async () => {
    const before = generationRequests().length;
    const result = await fetchGeneration(client, 'gen-1600000000-a:b.c_d', { oldWaitMs: 0 });
    assert.equal(result.kind, 'unknown');
    const sent = generationRequests().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].query, { id: 'gen-1600000000-a:b.c_d' });
  });

  it('opens the generation on OpenRouter’s Logs page, filtered by its id', () => {
    const url = openRouterLogsUrl('gen-1600000000-a:b.c_d');
    assert.equal(url, 'https://openrouter.ai/logs?generation_id=gen-1600000000-a%3Ab.c_d');
    const parsed = new URL(url);
    assert.deepEqual([parsed.origin, parsed.pathname, [...parsed.searchParams]], ['https://openrouter.ai', '/logs', [['generation_id', 'gen-1600000000-a:b.c_d']]]);
  });
});

describe('fetching through the 404 lag', () => {
  it('retries a fresh id until OpenRouter has written the record', async () => {
    const answer = await client.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], maxTokens: 20 });
    const before = generationRequests().length;
    const started = Date.now();
    const result = await fetchGeneration(client, answer.id, { requestedAt: embeddedTime(answer.id) ?? Date.now() });
    assert.equal(result.kind, 'found');
    assert.ok(generationRequests().length - before >= 2, 'the first answers were 404');
    assert.ok(Date.now() - started >= 1_000, 'it waited for the record');
    assert.equal(result.kind === 'found' && result.generation.totalCost, sim.generations().find((g) => g.id === answer.id)?.cost);
  });

  it('says "not yet" for a fresh id still missing, and "unknown" for an old one, without waiting long', async () => {
    const fresh = `gen-${Math.floor(Date.now() / 1000)}-NotWrittenYet0000000`;
    assert.deepEqual(await fetchGeneration(client, fresh, { requestedAt: embeddedTime(fresh), freshWaitMs: 600 }), { kind: 'not-yet', waitedMs: 600 });
    const started = Date.now();
    assert.deepEqual(await fetchGeneration(client, 'gen-1600000000-LongGone000000000000', { requestedAt: embeddedTime('gen-1600000000-LongGone000000000000') }), { kind: 'unknown' });
    assert.ok(Date.now() - started < 5_000);
  });
});

describe('the details document', () => {
  let ledger: LocalLedger;
  let cleanup: () => void;

  before(async () => {
    const tmp = tempDir('lookup-');
    cleanup = tmp.cleanup;
    ledger = await open(tmp.dir);
  });

  after(async () => {
    await ledger.close();
    cleanup();
  });

  it('lists every provider attempt of a fallback and marks where the ledger differs', async () => {
    sim.configure({ downProviders: ['OpenAI'] });
    const answer = await client.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'fall back please' }], maxTokens: 20 });
    sim.configure({ downProviders: [] });
    const generation = await client.getGeneration(answer.id, { waitMs: 10_000 });
    assert.ok(generation);
    assert.deepEqual(generation.providerResponses?.map((p) => [p.providerName, p.status]), [['OpenAI', 503], ['Azure', 200]]);

    // The ledger holds the request with its streamed figures; a planted difference in cost and tokens.
    await ledger.appendGeneration({
      generationId: answer.id, ts: Date.now(), modelRequested: 'openai/gpt-4o-mini', costSource: 'usage', status: 'success',
      ...fieldsFromGeneration(generation), totalCost: (generation.totalCost ?? 0) + 0.01, completionTokens: (generation.nativeTokensCompletion ?? 0) + 1,
    });
    const row = await ledger.queries.byGenerationId(answer.id);
    assert.ok(row, 'the ledger finds the row by its generation id');
    assert.equal(await ledger.queries.byGenerationId('gen-nothing-here'), null);
    const diffs = compareWithLedger(generation, row);
    assert.deepEqual(diffs.map((d) => d.field), ['cost', 'completionTokens']);

    const text = buildDetailsMarkdown({ id: answer.id, generation, ledgerRow: row });
    assert.match(text, /2 difference\(s\) between OpenRouter and the ledger/);
    const html = markdown.render(text);
    assert.match(html, /<td>1<\/td>\s*<td>OpenAI<\/td>\s*<td>openai\/gpt-4o-mini[^<]*<\/td>\s*<td>503<\/td>/);
    assert.match(html, /<td>2<\/td>\s*<td>Azure<\/td>[\s\S]*?<td>200 \(served\)<\/td>/);
    const costRow = /<tr>\s*<td>Total cost<\/td>[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    assert.match(costRow, /≠ differs/);
    const promptRow = /<tr>\s*<td>Prompt<\/td>[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    assert.doesNotMatch(promptRow, /differs/, 'equal fields are not marked');
    assert.match(html, /<td>Provider<\/td>\s*<td>Azure<\/td>\s*<td>Azure<\/td>/);
  });

  it('renders hostile model names and other API strings as literal text', () => {
    for (const hostile of HOSTILE) {
      const generation = readGeneration({ id: 'gen-1-x', model: hostile, provider_name: hostile, finish_reason: hostile, external_user: hostile, provider_responses: [{ provider_name: hostile, status: 200 }] });
      assert.ok(generation);
      const html = markdown.render(buildDetailsMarkdown({ id: 'gen-1-x', generation, ledgerRow: null }));
      assert.doesNotMatch(html, /<img|<strong>|<a |<h1>line|<code>|<em>|<s>/, hostile);
      const text = hostile.replace(/\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      assert.ok(html.includes(`<td>${text}</td>`), `${hostile} shows as itself: ${html.slice(0, 400)}`);
    }
    assert.equal(markdown.render(mdText('**bold**|pipe')).trim(), '<p>**bold**|pipe</p>');
  });

  it('without a /generation record shows the ledger row and says why', async () => {
    const [row] = await ledger.queries.recent(1);
    const text = buildDetailsMarkdown({ id: row.generation_id ?? '', generation: null, ledgerRow: row, unavailable: 'OpenRouter has no record of it yet.' });
    assert.match(text, /^> OpenRouter has no record of it yet\\\./m);
    assert.match(markdown.render(text), /<td>Model requested<\/td>\s*<td>openai\/gpt-4o-mini<\/td>/);
  });
});
