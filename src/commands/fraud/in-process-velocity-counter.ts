import type { VelocityCounter, VelocityInput, VelocityReading } from './velocity-counter.ts';

/**
 * The embedded-mode adapter (no REDIS_URL): the same sliding windows and marks as the Redis
 * script, in this process's memory. Correct for a single process, which is what embedded mode
 * is; with several API nodes use Redis, or each node counts only its own share.
 * Memory stays bounded by the traffic of the last window: expired entries are swept as the map grows.
 */
export class InProcessVelocityCounter implements VelocityCounter {
  /** key → ascending timestamps (ms) of the ballots in the window. */
  readonly #windows = new Map<string, number[]>();
  /** key → expiry (ms): challenge marks and spent solutions. */
  readonly #expiring = new Map<string, number>();
  #nextSweep = 0;

  async record(input: VelocityInput): Promise<VelocityReading> {
    const { pollId, prefix, nowMs, windowMs } = input;
    this.#sweep(nowMs, windowMs);
    const markKey = `${pollId}|mark|${prefix}`;
    const marked = this.#alive(markKey, nowMs);
    if (marked) {
      if (input.solution === null) return { kind: 'challenge-required' };
      const usedKey = `${pollId}|used|${input.solution.id}`;
      if (this.#alive(usedKey, nowMs)) return { kind: 'challenge-reused' };
      this.#expiring.set(usedKey, input.solution.expiresAtMs);
    }
    const prefixCount = this.#count(`${pollId}|ip|${prefix}`, nowMs, windowMs);
    const fingerprintCount = input.fingerprint === null ? 0 : this.#count(`${pollId}|fp|${input.fingerprint}`, nowMs, windowMs);
    // Re-marked on every ballot past the limit: the mark lasts one window after the burst ends.
    if (prefixCount > input.limit) this.#expiring.set(markKey, nowMs + windowMs);
    return { kind: 'counted', prefixCount, fingerprintCount, challenged: marked };
  }

  #alive(key: string, nowMs: number): boolean {
    const until = this.#expiring.get(key);
    return until !== undefined && until > nowMs;
  }

  /** Adds one entry at `nowMs`, drops those older than the window, returns what is left. */
  #count(key: string, nowMs: number, windowMs: number): number {
    const entries = this.#windows.get(key) ?? [];
    let drop = 0;
    while (drop < entries.length && entries[drop]! <= nowMs - windowMs) drop++;
    if (drop > 0) entries.splice(0, drop);
    entries.push(nowMs);
    this.#windows.set(key, entries);
    return entries.length;
  }

  #sweep(nowMs: number, windowMs: number): void {
    if (nowMs < this.#nextSweep) return;
    this.#nextSweep = nowMs + 60_000;
    for (const [key, until] of this.#expiring) if (until <= nowMs) this.#expiring.delete(key);
    // Windows differ per poll; the longest plausible one is kept (a day), shorter ones trim on use.
    const horizon = nowMs - Math.max(windowMs, 86_400_000);
    for (const [key, entries] of this.#windows) if ((entries.at(-1) ?? 0) <= horizon) this.#windows.delete(key);
  }
}
