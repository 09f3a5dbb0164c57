/**
 * Work that waits for everything else the event loop has ready: one item per loop turn, run from a
 * zero timer, which Node runs at the start of a turn, after the previous turn's I/O callbacks and
 * the batched sends they left in `setImmediate` (the group commit's flush, the velocity checks), so
 * an item never goes ahead of those. plugins/serve-last.ts puts here the requests a route names (the
 * ballots of a network already challenged on the poll, a flood refused with 428): their cost is the
 * same, but they take the time honest ballots leave instead of queueing ahead of them at every step
 * of their way. A busy server answers them later, an idle one at most one a millisecond (Node's
 * shortest timer).
 * The items wait in lines, one per key (the client's network), taken in turn: one network's flood
 * holds back another network's requests by one item a round, not by its whole backlog. Every item
 * runs, in arrival order within its line. Past `perLine` items in its line, or `total` in all, a new
 * one is refused, so a backlog stays bounded and a flood too large for it jumps no one either.
 * Measured (`npm run bench -- ingest --fraud-path --only flood --ballots 45000`, two pairs): honest
 * p50 under a flood +29-34% with items in `setImmediate` (ahead of the batched sends of the turn
 * they run in), +19-20% from the timer.
 */
export class BackOfTheLine {
  readonly #perLine: number;
  readonly #total: number;
  /** In rotation order: the line served next comes first, and goes to the back once served. */
  readonly #lines = new Map<string, Array<() => void>>();
  #waiting = 0;
  #scheduled = false;

  constructor({ perLine, total }: { perLine: number; total: number }) {
    this.#perLine = perLine;
    this.#total = total;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Runs `work` on a later turn, in `key`'s line; false (and `work` never runs) when that line or all of them are full. */
  push(key: string, work: () => void): boolean {
    const line = this.#lines.get(key) ?? [];
    if (line.length >= this.#perLine || this.#waiting >= this.#total) return false;
    if (line.length === 0) this.#lines.set(key, line);
    line.push(work);
    this.#waiting++;
    if (!this.#scheduled) this.#schedule();
    return true;
  }

  #schedule(): void {
    this.#scheduled = true;
    setTimeout(() => this.#runOne(), 0);
  }

  #runOne(): void {
    this.#scheduled = false;
    const [key, line] = this.#lines.entries().next().value!;
    const work = line.shift()!;
    this.#waiting--;
    this.#lines.delete(key);
    if (line.length > 0) this.#lines.set(key, line);
    if (this.#waiting > 0) this.#schedule();
    work();
  }
}
