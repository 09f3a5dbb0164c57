/**
 * Work that waits for everything else the event loop has ready: one item per loop turn, run from a
 * zero timer, which Node runs at the start of a turn, after the previous turn's I/O callbacks and
 * the batched sends they left in `setImmediate` (the group commit's flush, the velocity checks), so
 * an item never goes ahead of those. plugins/serve-last.ts puts here the requests a route names (the
 * ballots of a network already challenged on the poll, a flood refused with 428): their cost is the
 * same, but they take the time honest ballots leave instead of queueing ahead of them at every step
 * of their way. Every item still runs, in arrival order; a busy server answers them later, and an
 * idle one at most one a millisecond (Node's shortest timer). Past `limit` waiting items a new one
 * is refused, so a backlog never holds more than `limit` requests, and a flood too large for it
 * never gets ahead of anyone either.
 * Measured (`npm run bench -- ingest --fraud-path --only flood --ballots 45000`, two pairs): honest
 * p50 under a flood +29-34% with items in `setImmediate` (ahead of the batched sends of the turn
 * they run in), +19-20% from the timer.
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

  /** Runs `work` on a later turn; false (and `work` never runs) when `limit` items already wait. */
  push(work: () => void): boolean {
    if (this.waiting >= this.#limit) return false;
    this.#waiting.push(work);
    if (!this.#scheduled) this.#schedule();
    return true;
  }

  #schedule(): void {
    this.#scheduled = true;
    setTimeout(() => this.#runOne(), 0);
  }

  #runOne(): void {
    this.#scheduled = false;
    const work = this.#waiting.shift()!;
    if (this.#waiting.length > 0) this.#schedule();
    work();
  }
}
