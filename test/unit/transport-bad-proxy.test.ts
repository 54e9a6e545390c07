/**
 * Issue 9 item 10: an unusable proxy setting no longer stops the extension from starting. The
 * bundled-undici transport reports it once (no part of the URL, which may hold a password) and
 * connects directly. Real simulator over HTTP, real undici.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenRouterClient } from '../../src/openrouter/client';
import { undiciTransportOrDirect } from '../../src/openrouter/transport';
import { startSimulator, type Simulator } from '../simulator';

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

for (const proxyUrl of ['http://user:s3cret-pass@bad host:99999', 'ftp://user:s3cret-pass@proxy.example:21']) {
  test(`an invalid proxy (${proxyUrl.split(':')[0]}) is reported without its password, and requests go direct`, async () => {
    const problems: string[] = [];
    const transport = undiciTransportOrDirect({ proxyUrl }, (reason) => problems.push(reason));
    try {
      assert.equal(problems.length, 1, 'reported once');
      assert.ok(!problems[0].includes('s3cret-pass'), problems[0]);
      const client = new OpenRouterClient({ baseUrl: sim.baseUrl, getKey: async () => sim.inferenceKey, transport, timeoutMs: 3_000, retry: { maxAttempts: 1 } });
      const info = await client.getKeyInfo();
      assert.ok(info.label.startsWith('sk-or-v1-'), 'the request reached OpenRouter without the proxy');
      assert.ok(!sim.requests.at(-1)?.viaProxy);
    } finally {
      await transport.close();
    }
  });
}
