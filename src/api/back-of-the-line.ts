/**
 * Work that waits for everything else the event loop has ready: one item per loop turn, run in
 * `setImmediate` after that turn's I/O callbacks. plugins/serve-last.ts puts here the requests a
 * route names (the ballots of a network already challenged on the poll, a flood refused with 428):
 * their cost is the same, but they take the time honest ballots leave instead of queueing ahead of
 * them at every step of their way (HTTP hooks, poll cache, group commit, answer). Every item still
 * runs, in arrival order; a busy server only answers them later. Past `limit` waiting items a new
 * one runs at once, so a backlog never holds more than `limit` requests.
 */
export class BackOfTheLine {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` on a later turn, or now when `limit` items already wait. */
  push(work: () => void): void {
    if (this.waiting >= this.#limit) return work();
    this.#waiting.push(work);
    if (!this.#scheduled) this.#schedule();
  }

  #schedule(): void {
    this.#scheduled = true;
    setImmediate(() => this.#runOne());
  }

  #runOne(): void {
    this.#scheduled = false;
    const work = this.#waiting.shift()!;
    if (this.#waiting.length > 0) this.#schedule();
    work();
  }
}
