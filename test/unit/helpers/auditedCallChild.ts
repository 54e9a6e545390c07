/**
 * A separate process playing a VS Code window that streams one chat answer with the real audited
 * call code into a real ledger folder, printing `id <generation id>` when OpenRouter names the
 * generation and `delta <n>` per piece of the answer. The parent test kills it mid-stream.
 *
 * Usage: node --import tsx auditedCallChild.ts '<json ChildConfig>'
 */
import { openLedger } from '../../../src/ledger';
import { OpenRouterClient } from '../../../src/openrouter/client';
import { undiciTransport } from '../../../src/openrouter/transport';
import { runAuditedStream } from '../../../src/chat/auditedCall';

export interface ChildConfig {
  dir: string;
  wasmPath: string;
  baseUrl: string;
  apiKey: string;
  prompt: string;
  /** The pre-flight estimate recorded while the request is in flight. */
  estimate: number;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(config: ChildConfig): Promise<void> {
  const ledger = await openLedger({ dir: config.dir, wasmPath: config.wasmPath });
  const client = new OpenRouterClient({ baseUrl: config.baseUrl, transport: undiciTransport(), timeoutMs: 60_000, getKey: async () => config.apiKey });
  say(`ready ${ledger.writerId}`);
  let deltas = 0;
  const result = await runAuditedStream(
    { client, ledger, estimateAtSend: config.estimate },
    { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: config.prompt }], maxTokens: 1000 },
    { userId: 'child', tags: [], workspace: null, gitBranch: null, storePrompts: 'none', redactionPatterns: [], keyLabel: null, chatSession: 'child' },
    {
      onStart: (info) => say(`id ${info.generationId}`),
      onDelta: () => say(`delta ${++deltas}`),
    },
  );
  say(`finished ${result.status}`);
  await ledger.close();
}

main(JSON.parse(process.argv[2]) as ChildConfig).catch((err) => {
  say(`error ${(err as Error).stack ?? err}`);
  process.exit(1);
});
