/** Structural twin of `vscode.Disposable`, so vscode-free modules can own resources too. */
export interface DisposableLike {
  dispose(): unknown;
}

/** Owns child disposables and disposes them in reverse order (STYLE.md: every disposable is owned). */
export class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private disposed = false;

  protected register<T extends DisposableLike>(child: T): T {
    if (this.disposed) {
      child.dispose();
    } else {
      this.owned.push(child);
    }
    return child;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const child of this.owned.splice(0).reverse()) {
      try {
        child.dispose();
      } catch {
        // Disposal must go on for the others; a failing child has nothing left to release.
      }
    }
  }
}

export function toDisposable(fn: () => unknown): DisposableLike {
  return { dispose: fn };
}
