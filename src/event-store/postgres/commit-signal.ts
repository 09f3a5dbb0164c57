/**
 * In-process wake-up for subscriptions: the writer calls `notify()` after each commit, so a tailing
 * reader in the same process sees its own writes at once instead of on the next poll. Deliberately
 * not LISTEN/NOTIFY: NOTIFY takes a cluster-wide lock at commit, which would serialise the append path.
 */
export class CommitSignal {
  /** Bumped on every commit; a reader notes it before reading and skips the sleep if it moved. */
  generation = 0;
  readonly #listeners = new Set<() => void>();

  notify(): void {
    this.generation++;
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Resolves after `ms`, at the next commit, or on abort, whichever is first; returns at once if a
   * commit happened since `seen`. Leaves no timer or listener behind (subscriptions poll for hours).
   */
  sleep(ms: number, seen: number, signals: readonly AbortSignal[]): Promise<void> {
    if (this.generation !== seen) return Promise.resolve();
    return this.#wait(ms, signals, true);
  }

  /** Resolves after `ms` or on abort, whatever commits meanwhile. */
  pause(ms: number, signals: readonly AbortSignal[]): Promise<void> {
    return this.#wait(ms, signals, false);
  }

  #wait(ms: number, signals: readonly AbortSignal[], wakeOnCommit: boolean): Promise<void> {
    if (signals.some((s) => s.aborted)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(done);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeOnCommit) this.#listeners.add(done);
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });
  }
}
