/**
 * The Keys tree's data and its actions against the simulator over real HTTP: every key of a
 * 250-key account (three pages of /keys), the key in use here found by SHA-256 and listed first,
 * the spend-and-limit description, details that never show an unknown amount as $0, the form
 * checks, and every key action — with the one-time secret in no log line afterwards.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { findKeyInUse, keyHash, keyInUse } from '../../src/keys/keyHash';
import { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransport, type ClosableTransport } from '../../src/openrouter/transport';
import type { ApiKeyRecord } from '../../src/openrouter/types';
import { maskKey } from '../../src/keys/mask';
import { createFailureMessage, replaceKeyQuestion } from '../../src/views/keys/createKeyMessages';
import { parseExpiry, parseKeyName, parseLimit } from '../../src/views/keys/keyForm';
import { keyDescription, keyDetails, keyLabel, keyViews, remainingLevel } from '../../src/views/keys/keyPresentation';
import { startSimulator, type Simulator } from '../simulator';
import { collectingLogger, type CollectingLogger } from './helpers/ledgerFixtures';

let sim: Simulator;
let transport: ClosableTransport;
let log: CollectingLogger;
let client: OpenRouterClient;

before(async () => {
  sim = await startSimulator({ generationDelayMs: 0, streamChunkDelayMs: 1 });
  transport = undiciTransport();
});

after(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  log = collectingLogger();
  client = new OpenRouterClient({
    baseUrl: sim.baseUrl,
    getKey: async (kind) => (kind === 'management' ? sim.managementKey : sim.inferenceKey),
    transport,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1 },
    logger: log,
  });
});

const record = (overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  hash: 'a'.repeat(64), name: 'CI', label: 'sk-or-v1-0e6...1c96', disabled: false, createdAt: '2026-01-02T03:04:05Z', updatedAt: null,
  workspaceId: null, limit: 10, limitRemaining: 6.8, limitReset: 'weekly', includeByokInLimit: false, usage: 25, usageDaily: 1,
  usageWeekly: 3.2, usageMonthly: 9, byokUsage: 0, byokUsageDaily: 0, byokUsageWeekly: 0, byokUsageMonthly: 0, creatorUserId: null,
  expiresAt: null, ...overrides,
});

describe('listing keys', () => {
  it('lists all 250 seeded keys plus the default one across three pages, the key in use here first', async () => {
    sim.seedKeys(250);
    const before = sim.requests.length;
    const records = await client.listApiKeys();
    const pages = sim.requests.slice(before).filter((r) => r.path === '/api/v1/keys');
    assert.deepEqual(pages.map((r) => r.query.offset), ['0', '100', '200'], 'paged by offset until the short page');
    assert.equal(records.length, 251);
    assert.ok(records.some((r) => r.name === 'Seeded key 250'), 'the oldest key, on the third page, is listed');

    const views = keyViews(records, keyHash(sim.inferenceKey), Date.now());
    assert.equal(views[0].record.name, 'Simulator default key');
    assert.equal(views[0].inUse, true, 'SHA-256 of the secret is the /keys hash');
    assert.equal(views.filter((v) => v.inUse).length, 1);
    assert.match(keyLabel(views[0]), /\(in use here\)$/);
  });

  it('includes disabled keys only when asked, and lists them after enabled ones', async () => {
    const disabled = sim.createKey({ name: 'Old laptop', disabled: true });
    assert.ok(!(await client.listApiKeys()).some((r) => r.hash === disabled.hash));
    const all = await client.listApiKeys({ includeDisabled: true });
    const views = keyViews(all, keyHash(sim.inferenceKey), Date.now());
    const index = views.findIndex((v) => v.record.hash === disabled.hash);
    assert.ok(index > 0);
    assert.ok(views.slice(index).every((v) => v.record.disabled), 'disabled keys come last');
    assert.match(keyLabel(views[index]), /Old laptop \(disabled\)/);
  });
});

describe('the key in use here', () => {
  it('is the /keys record whose hash is the SHA-256 of the secret', async () => {
    const records = await client.listApiKeys();
    const read = await client.getKeyInfo({ kind: 'inference' });
    const found = records.find((r) => r.hash === findKeyInUse(records, keyInUse(sim.inferenceKey, read.label)));
    assert.equal(found?.name, 'Simulator default key');
    assert.equal(findKeyInUse(records, keyInUse(sim.inferenceKey, null)), found?.hash, 'the hash alone is enough');
  });

  it('is found by the masked label GET /key gave for it when no /keys hash is the SHA-256 of the secret', async () => {
    // As if OpenRouter's key hash stopped being the SHA-256 of the secret: every record keeps its label, none its hash.
    const rehashed = (await client.listApiKeys()).map((r) => ({ ...r, hash: `other-scheme-${r.hash.slice(0, 16)}` }));
    const read = await client.getKeyInfo({ kind: 'inference' });
    const found = rehashed.find((r) => r.hash === findKeyInUse(rehashed, keyInUse(sim.inferenceKey, read.label)));
    assert.equal(found?.name, 'Simulator default key');
    assert.equal(findKeyInUse(rehashed, keyInUse(sim.inferenceKey, null)), undefined, 'without a /key reading nothing is claimed');
  });

  it('is not taken from a /key reading of another key (the reading from before the key changed)', async () => {
    const other = sim.createKey({ name: 'Previous key' });
    const stale = await client.getKeyInfo({ keyOverride: other.key });
    const rehashed = (await client.listApiKeys()).map((r) => ({ ...r, hash: `other-scheme-${r.hash.slice(0, 16)}` }));
    assert.equal(findKeyInUse(rehashed, keyInUse(sim.inferenceKey, stale.label)), undefined);
  });

  it('is not guessed when two keys carry the same label', async () => {
    const read = await client.getKeyInfo({ kind: 'inference' });
    const twins = [record({ hash: 'b'.repeat(64), label: read.label }), record({ hash: 'c'.repeat(64), label: read.label })];
    assert.equal(findKeyInUse(twins, keyInUse(sim.inferenceKey, read.label)), undefined);
  });
});

describe('what a key item says', () => {
  it('shows the spend of the limit’s period and what is left', () => {
    const view = { record: record(), inUse: false, expired: false };
    assert.equal(keyDescription(view), '$3.20 this week · $10.00 weekly limit, $6.80 left');
    assert.equal(keyDescription({ ...view, record: record({ limit: null, limitRemaining: null, limitReset: null }) }), '$9.00 this month · no limit');
    assert.equal(keyDescription({ ...view, record: record({ limitReset: 'daily', usageDaily: 0.5 }) }), '$0.50 today · $10.00 daily limit, $6.80 left');
    assert.equal(keyDescription({ ...view, record: record({ limitReset: null, limitRemaining: 0 }) }), '$25.00 in total · $10.00 total limit, $0.00 left');
  });

  it('colours by the share of the limit left', () => {
    assert.equal(remainingLevel(record({ limitRemaining: 6.8 })), 'ok');
    assert.equal(remainingLevel(record({ limitRemaining: 3 })), 'low');
    assert.equal(remainingLevel(record({ limitRemaining: 1 })), 'critical');
    assert.equal(remainingLevel(record({ limitRemaining: 0 })), 'exhausted');
    assert.equal(remainingLevel(record({ limit: null, limitRemaining: null })), 'none');
  });

  it('marks an expired key and never shows an unknown amount as $0', () => {
    const expired = keyViews([record({ expiresAt: '2020-01-01T00:00:00Z', usageMonthly: null, byokUsage: null })], undefined, Date.now())[0];
    assert.equal(expired.expired, true);
    assert.match(keyLabel(expired), /\(expired\)/);
    const details = Object.fromEntries(keyDetails(expired).map((r) => [r.label, r.value]));
    assert.equal(details['Usage this month'], 'unknown');
    assert.match(details['BYOK usage (today / week / month / total)'], /\/ unknown$/);
    assert.equal(details['Limit resets'], 'weekly');
    assert.match(details.Expires, /^2020-01-01 00:00:00 UTC \(expired\)$/);
  });
});

describe('the create / change forms', () => {
  it('reads limits in USD, empty meaning none', () => {
    assert.deepEqual(parseLimit(''), { ok: true, value: null });
    assert.deepEqual(parseLimit('$2.50'), { ok: true, value: 2.5 });
    assert.deepEqual(parseLimit('1,000'), { ok: true, value: 1000 });
    for (const bad of ['-1', 'ten', '1e3', '2.5.1']) assert.equal(parseLimit(bad).ok, false, bad);
  });

  it('refuses a decimal comma instead of reading "2,50" as $250, and takes commas only as thousands groups', () => {
    const decimalComma = { ok: false, problem: 'Use a point for decimals (2.50).' };
    assert.deepEqual(parseLimit('2,50'), decimalComma);
    for (const bad of ['$2,50', '10,5', '1,00', '1,0000', ',100', '1,,000', '1000,', '1,000,5', '1,000.5,0']) assert.deepEqual(parseLimit(bad), decimalComma, bad);
    assert.deepEqual(parseLimit('1,000.50'), { ok: true, value: 1000.5 });
    assert.deepEqual(parseLimit('$12,345,678'), { ok: true, value: 12345678 });
    const asked: string[] = [];
    parseLimit('2,50', (message) => (asked.push(message), message));
    assert.deepEqual(asked, ['Use a point for decimals (2.50).'], 'the sentence goes through the translation function');
  });

  it('reads an expiry as the end of a UTC day in the future', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    assert.deepEqual(parseExpiry('2026-12-31', now), { ok: true, value: '2026-12-31T23:59:59Z' });
    assert.deepEqual(parseExpiry('', now), { ok: true, value: null });
    assert.equal(parseExpiry('2026-02-30', now).ok, false, 'no such day');
    assert.equal(parseExpiry('2026-02-28', now).ok, false, 'in the past');
    assert.equal(parseExpiry('2026-12-31T10:00:00+02:00', now).ok, false, 'OpenRouter wants UTC');
    assert.equal(parseKeyName('   ').ok, false);
  });
});

describe('key actions', () => {
  it('creates a key whose secret comes back once and is never logged, then renames, limits, disables and deletes it', async () => {
    const { record: created, key: secret } = await client.createApiKey({
      name: 'E2E bot', limit: 5, limitReset: 'monthly', includeByokInLimit: true, expiresAt: '2099-12-31T23:59:59Z',
    });
    assert.equal(created.hash, keyHash(secret), 'the new key is found by the SHA-256 of its secret');
    assert.equal(created.limit, 5);
    assert.equal(created.limitReset, 'monthly');
    assert.equal(created.includeByokInLimit, true);
    assert.equal(created.expiresAt, '2099-12-31T23:59:59.000Z');

    const renamed = await client.updateApiKey(created.hash, { name: 'E2E robot' });
    assert.equal(renamed.name, 'E2E robot');
    const limited = await client.updateApiKey(created.hash, { limit: 2, limitReset: 'daily', includeByokInLimit: false });
    assert.deepEqual([limited.limit, limited.limitReset, limited.includeByokInLimit, limited.limitRemaining], [2, 'daily', false, 2]);
    const disabled = await client.updateApiKey(created.hash, { disabled: true });
    assert.equal(disabled.disabled, true);
    assert.ok(!(await client.listApiKeys()).some((r) => r.hash === created.hash), 'a disabled key leaves the default list');
    await client.updateApiKey(created.hash, { disabled: false });
    await client.deleteApiKey(created.hash);
    assert.ok(!(await client.listApiKeys({ includeDisabled: true })).some((r) => r.hash === created.hash));
    await assert.rejects(client.getApiKey(created.hash), (err: { status?: number }) => err.status === 404);

    const everything = log.lines.join('\n') + JSON.stringify(sim.requests);
    assert.ok(!everything.includes(secret), 'the secret is in no log line and no request');
    assert.ok(!everything.includes(secret.slice(9, 40)), 'not even a large part of it');
  });

  it('says a key may have been created when POST /keys timed out, and OpenRouter did create it', async () => {
    const impatient = new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => sim.managementKey, transport, timeoutMs: 300, retry: { maxAttempts: 1 } });
    sim.injectFault({ kind: 'delay', ms: 1_000, method: 'POST', path: '/keys' });
    const err = await impatient.createApiKey({ name: 'Slow key' }).then(() => assert.fail('expected a timeout'), (e: unknown) => e);
    assert.match(createFailureMessage(err, 'OpenRouter did not answer in time.'), /^Create Key failed: OpenRouter did not answer in time\. The key may have been created: check the Keys list and delete it if so\.$/);
    // The simulator goes on to create the key once its delay is over: the orphan the message warns about.
    const deadline = Date.now() + 5_000;
    while (!(await client.listApiKeys()).some((r) => r.name === 'Slow key')) {
      assert.ok(Date.now() < deadline, 'the key was created after the client gave up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('says the same when the connection dropped or the answer was unreadable, but not for a refused request', async () => {
    const mayExist = / The key may have been created: check the Keys list and delete it if so\.$/;
    for (const kind of ['drop', 'malformed-json'] as const) {
      sim.injectFault({ kind, method: 'POST', path: '/keys' });
      const err = await client.createApiKey({ name: `Key after ${kind}` }).then(() => assert.fail(`expected ${kind} to fail`), (e: unknown) => e);
      assert.match(createFailureMessage(err, 'it failed.'), mayExist, kind);
    }
    const refused = await client.createApiKey({ name: '' }).then(() => assert.fail('an empty name is refused'), (e: unknown) => e);
    assert.equal((refused as { status?: number }).status, 400);
    assert.equal(createFailureMessage(refused, 'The name is missing.'), 'Create Key failed: The name is missing.');
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const closed = new OpenRouterClient({ baseUrl: `http://127.0.0.1:${closedPort}`, getKey: async () => sim.managementKey, transport, retry: { maxAttempts: 1 } });
    const unreachable = await closed.createApiKey({ name: 'Never sent' }).then(() => assert.fail('nothing listens on that port'), (e: unknown) => e);
    assert.equal((unreachable as { code?: string }).code, 'ECONNREFUSED');
    assert.equal(createFailureMessage(unreachable, 'Cannot connect.'), 'Create Key failed: Cannot connect.', 'a refused connection sent nothing');
  });

  it('asks before replacing the API key in use, naming it masked', () => {
    const question = replaceKeyQuestion(maskKey(sim.inferenceKey));
    assert.equal(
      question,
      `Replace the API key in use (sk-or-v1-${sim.inferenceKey.slice(9, 12)}…${sim.inferenceKey.slice(-4)}) with the new key? The current key's secret cannot be shown again.`,
    );
    assert.ok(!question.includes(sim.inferenceKey.slice(12, -4)), 'the secret is not in the question');
  });

  it('reports a 403 for a key that cannot manage keys', async () => {
    const inference = new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => sim.inferenceKey, transport, retry: { maxAttempts: 1 } });
    await assert.rejects(inference.listApiKeys(), (err: { status?: number; userMessage?: string }) => err.status === 403 && /management key/i.test(err.userMessage ?? ''));
  });
});
