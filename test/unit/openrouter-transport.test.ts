/**
 * Transports: proxy selection and CONNECT tunnelling through a real local proxy, and HTTPS with a
 * private CA (fails by default, works once the CA is configured), for both the bundled-undici
 * transport and the host-fetch transport (Node's global fetch stands in for VS Code's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getGlobalDispatcher } from 'undici';
import { OpenRouterClient } from '../../src/openrouter/client';
import {
  bypassesProxy,
  hostFetchTransport,
  proxySettingsFromEnv,
  undiciTransport,
  type ClosableTransport,
} from '../../src/openrouter/transport';
import { startSimulator, type Simulator } from '../simulator';
import { startConnectProxy, type ConnectProxy } from './helpers/connectProxy';
import { createTestPki, type TestPki } from './helpers/tls';
import { rejection } from './helpers/rejection';

function clientOver(sim: Simulator, transport: ClosableTransport): OpenRouterClient {
  return new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => sim.inferenceKey, transport, timeoutMs: 3_000, retry: { maxAttempts: 1 } });
}

async function withTransport<T>(transport: ClosableTransport, run: (t: ClosableTransport) => Promise<T>): Promise<T> {
  try {
    return await run(transport);
  } finally {
    await transport.close();
  }
}

describe('noProxy matching', () => {
  const url = (u: string) => new URL(u);
  it('matches hosts, subdomains, ports, IPv6 and the wildcard the way http.noProxy does', () => {
    assert.equal(bypassesProxy(url('https://openrouter.ai/api/v1'), ['openrouter.ai']), true);
    assert.equal(bypassesProxy(url('https://api.openrouter.ai/'), ['openrouter.ai']), true);
    assert.equal(bypassesProxy(url('https://api.openrouter.ai/'), ['.openrouter.ai']), true);
    assert.equal(bypassesProxy(url('https://api.openrouter.ai/'), ['*.openrouter.ai']), true);
    assert.equal(bypassesProxy(url('https://notopenrouter.ai/'), ['openrouter.ai']), false);
    assert.equal(bypassesProxy(url('https://openrouter.ai/'), ['openrouter.ai:8443']), false);
    assert.equal(bypassesProxy(url('https://openrouter.ai:8443/'), ['openrouter.ai:8443']), true);
    assert.equal(bypassesProxy(url('http://[::1]:3000/'), ['[::1]']), true);
    assert.equal(bypassesProxy(url('https://anything.example/'), [' * ']), true);
    assert.equal(bypassesProxy(url('https://OpenRouter.AI/'), ['http://openrouter.ai']), true);
  });

  it('does not bypass loopback unless noProxy lists it', () => {
    assert.equal(bypassesProxy(url('http://127.0.0.1:8080/'), []), false);
    assert.equal(bypassesProxy(url('http://localhost:8080/'), ['127.0.0.1']), false);
    assert.equal(bypassesProxy(url('http://127.0.0.1:8080/'), ['127.0.0.1']), true);
  });

  it('reads proxy settings from the usual environment variables', () => {
    assert.deepEqual(proxySettingsFromEnv({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost, .corp ,' }), {
      proxyUrl: 'http://proxy:3128',
      noProxy: ['localhost', '.corp'],
    });
  });

  it('rejects a proxy setting that is not a URL, without echoing its credentials', () => {
    assert.throws(() => undiciTransport({ proxyUrl: 'http://user:s3cret@[bad' }), (err: Error) => /not a valid URL/.test(err.message) && !err.message.includes('s3cret'));
  });
});

describe('through an HTTP CONNECT proxy', () => {
  let sim: Simulator;
  let proxy: ConnectProxy;
  before(async () => {
    sim = await startSimulator({ generationDelayMs: 0 });
    proxy = await startConnectProxy();
  });
  after(async () => {
    await proxy.close();
    await sim.close();
  });

  it('tunnels requests to OpenRouter through the proxy', async () => {
    const seen = sim.requests.length;
    const info = await withTransport(undiciTransport({ proxyUrl: proxy.url }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(info.isManagementKey, false);
    assert.deepEqual(proxy.connects.at(-1), { target: new URL(sim.origin).host, proxyAuthorization: null });
    assert.equal(sim.requests.slice(seen).filter((r) => r.path === '/api/v1/key').length, 1, 'the simulator got the request');
    assert.equal(proxy.refusedForwardRequests, 0);
  });

  it('streams a chat completion through the tunnel', async () => {
    const events = await withTransport(undiciTransport({ proxyUrl: proxy.url }), async (t) => {
      const collected: string[] = [];
      for await (const event of clientOver(sim, t).streamChat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello proxy' }], maxTokens: 20 })) {
        collected.push(event.type);
      }
      return collected;
    });
    assert.ok(events.includes('delta') && events.includes('usage'));
  });

  it('goes direct for hosts on the noProxy list', async () => {
    const tunnels = proxy.connects.length;
    const seen = sim.requests.length;
    await withTransport(undiciTransport({ proxyUrl: proxy.url, noProxy: ['example.com', '127.0.0.1'] }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(proxy.connects.length, tunnels, 'no CONNECT');
    assert.equal(sim.requests.length - seen, 1);
  });

  it('still uses the proxy when noProxy lists other hosts only', async () => {
    const tunnels = proxy.connects.length;
    await withTransport(undiciTransport({ proxyUrl: proxy.url, noProxy: ['example.com', 'localhost:1'] }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(proxy.connects.length, tunnels + 1);
  });

  it('sends proxy credentials from the proxy URL, and explains a 407 when they are missing', async () => {
    const authProxy = await startConnectProxy({ requireAuthorization: `Basic ${Buffer.from('ledger:pa ss').toString('base64')}` });
    try {
      const err = await rejection(withTransport(undiciTransport({ proxyUrl: authProxy.url }), (t) => clientOver(sim, t).getKeyInfo()));
      assert.equal(err.kind, 'network');
      assert.match(err.userMessage, /proxy refused .*407.*requires authentication/);
      const withAuth = authProxy.url.replace('http://', 'http://ledger:pa%20ss@');
      const info = await withTransport(undiciTransport({ proxyUrl: withAuth }), (t) => clientOver(sim, t).getKeyInfo());
      assert.equal(typeof info.usage, 'number');
      assert.ok(!err.message.includes('pa ss') && !err.userMessage.includes('pa ss'));
    } finally {
      await authProxy.close();
    }
  });

  it('leaves the process-wide undici dispatcher alone', async () => {
    const before = getGlobalDispatcher();
    await withTransport(undiciTransport({ proxyUrl: proxy.url }), (t) => clientOver(sim, t).getKeyInfo());
    await withTransport(hostFetchTransport(globalThis.fetch, { ca: '' }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(getGlobalDispatcher(), before);
  });
});

describe('HTTPS with a private certificate authority', () => {
  let pki: TestPki;
  let sim: Simulator;
  let proxy: ConnectProxy;
  before(async () => {
    pki = createTestPki();
    sim = await startSimulator({ https: { key: pki.serverKey, cert: pki.serverCert }, generationDelayMs: 0 });
    proxy = await startConnectProxy();
  });
  after(async () => {
    await proxy.close();
    await sim.close();
  });

  it('fails with a clear certificate error when the CA is not configured (bundled undici)', async () => {
    const err = await rejection(withTransport(undiciTransport(), (t) => clientOver(sim, t).getKeyInfo()));
    assert.equal(err.kind, 'network');
    assert.equal(err.certificateProblem, true);
    assert.match(err.userMessage, /TLS certificate .* could not be verified .*CA certificate/);
  });

  it('succeeds once the CA is configured (bundled undici), directly and through the proxy', async () => {
    const direct = await withTransport(undiciTransport({ ca: pki.caCert }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(direct.isManagementKey, false);
    const tunnels = proxy.connects.length;
    const proxied = await withTransport(undiciTransport({ ca: pki.caCert, proxyUrl: proxy.url }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(proxied.isManagementKey, false);
    assert.ok(proxy.connects.length > tunnels);
  });

  it('fails with a certificate error through the host fetch, and succeeds with the CA on its dispatcher', async () => {
    const hostFetch = globalThis.fetch;
    const err = await rejection(withTransport(hostFetchTransport(hostFetch), (t) => clientOver(sim, t).getKeyInfo()));
    assert.equal(err.certificateProblem, true);
    const info = await withTransport(hostFetchTransport(hostFetch, { ca: pki.caCert }), (t) => clientOver(sim, t).getKeyInfo());
    assert.equal(info.isManagementKey, false);
  });
});
