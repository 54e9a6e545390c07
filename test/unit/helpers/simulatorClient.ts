/**
 * The project's real OpenRouter client pointed at the local simulator, holding its two keys:
 * what most tests of code that calls OpenRouter need. One attempt per call unless `options`
 * says otherwise, so an error the simulator injects reaches the code under test.
 */
import { OpenRouterClient, type OpenRouterClientOptions } from '../../../src/openrouter/client';
import type { Transport } from '../../../src/openrouter/transport';
import type { Simulator } from '../../simulator';

export function simulatorClient(sim: Simulator, transport: Transport, options: Partial<OpenRouterClientOptions> = {}): OpenRouterClient {
  return new OpenRouterClient({
    baseUrl: sim.baseUrl,
    transport,
    getKey: async (kind) => (kind === 'inference' ? sim.inferenceKey : sim.managementKey),
    retry: { maxAttempts: 1 },
    ...options,
  });
}
