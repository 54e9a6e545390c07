/**
 * A separate process playing one VS Code window: opens the shared ledger, appends requests
 * (printing `ack <generation id>` once each is durable), backfills some of them, then optionally
 * waits until it sees `expectTotal` rows from all windows and closes.
 *
 * Usage: node ledgerWorker.js '<json WorkerConfig>'
 */
import { openLedger } from '../../../src/ledger';

export interface WorkerConfig {
  dir: string;
  wasmPath: string;
  tag: string;
  count: number;
  concurrency: number;
  /** Every n-th own row gets a /generation backfill (a journaled update). */
  backfillEvery?: number;
  /** Wait until this many rows are visible (others' rows included) before closing. */
  expectTotal?: number;
  pollIntervalMs?: number;
  snapshotDelayMs?: number;
  maxSnapshotDelayMs?: number;
  compactGraceMs?: number;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(config: WorkerConfig): Promise<void> {
  const ledger = await openLedger({
    dir: config.dir,
    wasmPath: config.wasmPath,
    pollIntervalMs: config.pollIntervalMs,
    snapshotDelayMs: config.snapshotDelayMs,
    maxSnapshotDelayMs: config.maxSnapshotDelayMs,
    compactGraceMs: config.compactGraceMs,
    logger: { trace() {}, debug() {}, info() {}, warn: (m) => say(`log ${m}`), error: (m) => say(`log ${m}`) },
  });
  say(`ready ${ledger.writerId}`);
  let next = 0;
  const worker = async () => {
    while (next < config.count) {
      const i = next++;
      const generationId = `${config.tag}-${i}`;
      await ledger.appendGeneration({
        generationId, ts: Date.now(), modelRequested: `model/${i % 4}`, modelUsed: `model/${i % 4}`, costSource: 'usage',
        status: i % 13 === 0 ? 'error' : 'success', totalCost: 0.001, latencyMs: 100 + (i % 900), promptTokens: 10, completionTokens: 5,
        userId: config.tag,
      });
      say(`ack ${generationId}`);
      if (config.backfillEvery && i % config.backfillEvery === 0) {
        await ledger.completeFromGeneration(generationId, { totalCost: 0.002 });
        say(`backfilled ${generationId}`);
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  say('done');
  if (config.expectTotal !== undefined) {
    const start = Date.now();
    while (ledger.rowCount() < config.expectTotal && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 20));
    say(`saw ${ledger.rowCount()} ${Date.now() - start}`);
  }
  await ledger.close();
  say('closed');
}

main(JSON.parse(process.argv[2]) as WorkerConfig).catch((err) => {
  say(`error ${(err as Error).stack ?? err}`);
  process.exit(1);
});
