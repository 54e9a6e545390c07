/**
 * The audited calls still streaming in this window. On shutdown they are aborted and their rows
 * completed as `cancelled` before the ledger closes: OpenRouter bills what it generated until the
 * abort, and a row left `pending` would only be found (as interrupted) by the next window.
 * No `vscode` import.
 */
export class InFlightCalls {
  private readonly shutdown = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

  /** Aborted when the window shuts down; every audited call listens to it. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  get size(): number {
    return this.running.size;
  }

  /** Keeps `call` (one audited call, including its final ledger write) until it settles. */
  track<T>(call: Promise<T>): Promise<T> {
    this.running.add(call);
    void call.finally(() => this.running.delete(call)).catch(() => undefined);
    return call;
  }

  /** Aborts every call in flight (and any started later) and resolves once all of them are recorded. */
  async abortAll(): Promise<void> {
    this.shutdown.abort(new Error('VS Code is shutting down'));
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
