/**
 * The rows the Recent Generations tree shows, a page at a time (no `vscode` import). What is shown
 * is always the newest rows of the ledger, in its order (ts, then uid, both descending): "Load
 * more…" reads the next page after the last row shown — by that (ts, uid) cursor, not by an
 * offset, so rows written meanwhile at the top can neither repeat a row nor skip one, and two
 * rows with the same timestamp are both shown once. A reload (the ledger changed) re-reads as
 * many rows as were shown, from the newest.
 */
import type { StoredGeneration } from '../../ledger/types';

export const GENERATIONS_PAGE_SIZE = 50;

type MaybeAsync<T> = T | Promise<T>;

/** What paging needs of the ledger: `ledger.queries` of the worker-backed ledger, or a local one. */
export interface RecentGenerations {
  recent(limit: number, before?: { ts: string; uid: string }): MaybeAsync<StoredGeneration[]>;
}

export class GenerationPages {
  private rows: StoredGeneration[] = [];
  private more = false;
  /** Reload and load-more run one after the other, so one never works from the other's half-done list. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly pageSize = GENERATIONS_PAGE_SIZE) {}

  /** The rows shown, newest first. */
  get shown(): readonly StoredGeneration[] {
    return this.rows;
  }

  /** Whether the ledger holds rows older than the last one shown ("Load more…"). */
  get hasMore(): boolean {
    return this.more;
  }

  /** Re-reads the newest rows: as many as were shown, at least one page. */
  reload(source: RecentGenerations): Promise<void> {
    return this.serial(async () => {
      const count = Math.max(this.pageSize, this.rows.length);
      // One row past the count tells whether there is more to load.
      const rows = await source.recent(count + 1);
      this.more = rows.length > count;
      this.rows = rows.slice(0, count);
    });
  }

  /** Appends the page after the last row shown. */
  loadMore(source: RecentGenerations): Promise<void> {
    return this.serial(async () => {
      const last = this.rows[this.rows.length - 1];
      const page = await source.recent(this.pageSize + 1, last ? { ts: last.ts, uid: last.uid } : undefined);
      this.more = page.length > this.pageSize;
      this.rows = [...this.rows, ...page.slice(0, this.pageSize)];
    });
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
