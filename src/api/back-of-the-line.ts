/**
 * Work that waits for everything else the event loop has ready: one item per loop turn, run from a
 * timer, which Node runs at the start of a turn, after the previous turn's I/O callbacks and the
 * batched sends they left in `setImmediate` (the group commit's flush, the velocity checks), so an
 * item never goes ahead of those. plugins/serve-last.ts puts here the requests a route names (the
 * ballots of a network already challenged on the poll, a flood refused with 428): they take the
 * time honest ballots leave instead of queueing ahead of them at every step of their way.
 * The items wait in lines, one per key (the client's network), taken in turn: one network's flood
 * holds back another network's requests by one item a round, not by its whole backlog. Every item
 * runs, in arrival order within its line, and at most `perSecond` a second over all lines: what
 * flooding networks take of the node is bounded however many they are, and a flood that waits for
 * its answers (a client with a fixed number of connections) is slowed to that pace instead of
 * sending as fast as it is answered.
 * Past `perLine` items in its line, or `total` in all, an item is refused: its `refuse` (a short
 * answer) waits in a queue of refusals instead, run one per loop turn too but not paced, so a
 * flood that does not wait for its answers is answered as fast as it comes and still goes ahead of
 * no one. The lines are short because waiting requests are not free: with a thousand a line, such
 * a flood slowed honest ballots twice as much (README, Benchmarks). Past `total` refusals waiting,
 * a refusal runs at once.
 */
export class BackOfTheLine {
  readonly #perLine: number;
  readonly #total: number;
  /** In rotation order: the line served next comes first, and goes to the back once served. */
  readonly #lines = new Map<string, Array<() => void>>();
  readonly #refusals: Array<() => void> = [];
  #waiting = 0;
  readonly #served: Drip;
  readonly #refused: Drip;

  constructor({ perLine, total, perSecond }: { perLine: number; total: number; perSecond: number }) {
    this.#perLine = perLine;
    this.#total = total;
    this.#served = new Drip(1000 / perSecond, () => this.#takeFromLines(), () => this.#waiting);
    this.#refused = new Drip(0, () => this.#refusals.shift()!, () => this.#refusals.length);
  }

  /** Items and refusals not yet run. */
  get waiting(): number {
    return this.#waiting + this.#refusals.length;
  }

  /**
   * Runs `work` on a later turn, in `key`'s line, and answers true; when that line or all of them
   * are full, runs `refuse` on a later turn instead (`work` never runs) and answers false.
   */
  push(key: string, work: () => void, refuse: () => void): boolean {
    const line = this.#lines.get(key) ?? [];
    if (line.length >= this.#perLine || this.#waiting >= this.#total) {
      if (this.#refusals.length >= this.#total) refuse();
      else {
        this.#refusals.push(refuse);
        this.#refused.wake();
      }
      return false;
    }
    if (line.length === 0) this.#lines.set(key, line);
    line.push(work);
    this.#waiting++;
    this.#served.wake();
    return true;
  }

  #takeFromLines(): () => void {
    const [key, line] = this.#lines.entries().next().value!;
    const work = line.shift()!;
    this.#waiting--;
    this.#lines.delete(key);
    if (line.length > 0) this.#lines.set(key, line);
    return work;
  }
}

/**
 * Runs the items `take` hands out, one per loop turn from a timer and `gapMs` apart at least (0:
 * one a turn), while `pending` says there are more. `wake` after adding one.
 */
class Drip {
  readonly #gapMs: number;
  readonly #take: () => () => void;
  readonly #pending: () => number;
  #scheduled = false;
  /** When the next item may run (performance.now()), `gapMs` after the last one. */
  #nextAt = 0;

  constructor(gapMs: number, take: () => () => void, pending: () => number) {
    this.#gapMs = gapMs;
    this.#take = take;
    this.#pending = pending;
  }

  wake(): void {
    if (!this.#scheduled) this.#schedule();
  }

  #schedule(): void {
    this.#scheduled = true;
    setTimeout(() => this.#runOne(), Math.max(0, Math.ceil(this.#nextAt - performance.now())));
  }

  #runOne(): void {
    // Node's timers count from the loop's cached clock, so one may fire a little early.
    const early = this.#nextAt - performance.now();
    if (early > 0) {
      setTimeout(() => this.#runOne(), Math.ceil(early));
      return;
    }
    this.#scheduled = false;
    this.#nextAt = performance.now() + this.#gapMs;
    const work = this.#take();
    if (this.#pending() > 0) this.#schedule();
    work();
  }
}
