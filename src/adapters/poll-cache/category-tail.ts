import type { EventStore, RecordedEvent } from '../../event-store/port.ts';

/**
 * Follows some categories of `$all` and tells waiters when the log has been read through a
 * position. It polls `readAll` itself rather than using a subscription so that it can adapt:
 * every `idleMs` when nobody waits, every `busyMs` while a ballot waits for it (on postgres the
 * readable end of the log moves when *any* transaction ends, e.g. a projection's, which no
 * commit signal of ours announces), and at once when a new waiter arrives.
 */
export class CategoryTail {
  readonly #store: EventStore;
  readonly #categories: readonly string[];
  readonly #onEvents: (events: readonly RecordedEvent[]) => void;
  readonly #idleMs: number;
  readonly #busyMs: number;
  readonly #waiters = new Set<{ position: bigint; resolve: (caughtUp: boolean) => void }>();
  readonly #stop = new AbortController();
  #through = -1n;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    store: EventStore,
    categories: readonly string[],
    onEvents: (events: readonly RecordedEvent[]) => void,
    options: { idleMs?: number; busyMs?: number } = {},
  ) {
    this.#store = store;
    this.#categories = categories;
    this.#onEvents = onEvents;
    this.#idleMs = options.idleMs ?? 50;
    this.#busyMs = options.busyMs ?? 2;
  }

  /** Position the log has been read through (events of other categories included). */
  get through(): bigint {
    return this.#through;
  }

  start(from: bigint): void {
    this.#through = from;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    for (const waiter of this.#waiters) waiter.resolve(false);
    this.#waiters.clear();
  }

  /** True once the log has been read through `position`; false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.#through >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (caughtUp: boolean) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(caughtUp);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.#waiters.add(waiter);
      this.#wake?.();
    });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const limit = 500;
    while (!signal.aborted) {
      let delay = this.#idleMs;
      try {
        const page = await this.#store.readAll({ from: this.#through, limit, categories: this.#categories });
        if (page.events.length > 0) this.#onEvents(page.events);
        this.#advance(page.next);
        if (page.events.length === limit) continue;
        if (this.#waiters.size > 0) delay = this.#busyMs;
      } catch {
        delay = 500; // a lost connection: keep the position, try again
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
      this.#wake = undefined;
    }
  }

  #advance(through: bigint): void {
    if (through <= this.#through) return;
    this.#through = through;
    for (const waiter of this.#waiters) if (waiter.position <= through) waiter.resolve(true);
  }
}
