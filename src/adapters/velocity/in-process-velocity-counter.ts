import type { VelocityCounter, VelocityInput, VelocityReading } from './velocity-counter.ts';

type Entries = Map<string, number>;

/**
 * The embedded-mode adapter (no REDIS_URL): the same sliding windows, marks and releases as the
 * Redis scripts, in this process's memory. Correct for a single process, which is what embedded
 * mode is; with several API nodes use Redis, or each node counts only its own share.
 * Memory stays bounded by the traffic of the last window: expired entries are swept as the map grows.
 */
export class InProcessVelocityCounter implements VelocityCounter {
  /** key → voter → time (ms) it was counted; a Map iterates in insertion order, so oldest first. */
  readonly #windows = new Map<string, Entries>();
  /** key → voter → time of the entry a later attempt of that voter relied on. */
  readonly #held = new Map<string, Entries>();
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
    const byPrefix = this.#count(`${pollId}|ip|${prefix}`, input);
    const byFingerprint = input.fingerprint === null ? null : this.#count(`${pollId}|fp|${input.fingerprint}`, input);
    // Re-marked by every newly counted voter past the limit: the mark lasts one window after the
    // burst ends; a voter's repeats do not prolong it.
    if (byPrefix.added && byPrefix.count > input.limit) this.#expiring.set(markKey, nowMs + windowMs);
    return { kind: 'counted', prefixCount: byPrefix.count, fingerprintCount: byFingerprint?.count ?? 0, challenged: marked };
  }

  async release(input: VelocityInput): Promise<void> {
    this.#release(`${input.pollId}|ip|${input.prefix}`, input);
    if (input.fingerprint !== null) this.#release(`${input.pollId}|fp|${input.fingerprint}`, input);
  }

  knowsMarked(pollId: string, prefix: string, nowMs: number): boolean {
    return this.#alive(`${pollId}|mark|${prefix}`, nowMs);
  }

  #alive(key: string, nowMs: number): boolean {
    const until = this.#expiring.get(key);
    return until !== undefined && until > nowMs;
  }

  /** Counts the voter unless it is in the window already (then notes that this attempt relied on it). */
  #count(key: string, input: VelocityInput): { count: number; added: boolean } {
    const cutoff = input.nowMs - input.windowMs;
    const entries = this.#windows.get(key) ?? new Map<string, number>();
    this.#windows.set(key, entries);
    slide(entries, cutoff);
    const seen = entries.get(input.member);
    if (seen !== undefined) {
      const held = this.#held.get(key) ?? new Map<string, number>();
      this.#held.set(key, held);
      for (const [member, at] of held) if (at <= cutoff) held.delete(member);
      held.set(input.member, seen);
      return { count: entries.size, added: false };
    }
    entries.set(input.member, input.nowMs);
    return { count: entries.size, added: true };
  }

  /** Takes out the voter's entry only if this attempt added it and no other attempt relied on it. */
  #release(key: string, input: VelocityInput): void {
    const entries = this.#windows.get(key);
    if (entries?.get(input.member) !== input.nowMs) return;
    if (this.#held.get(key)?.get(input.member) === input.nowMs) return;
    entries.delete(input.member);
  }

  #sweep(nowMs: number, windowMs: number): void {
    if (nowMs < this.#nextSweep) return;
    this.#nextSweep = nowMs + 60_000;
    for (const [key, until] of this.#expiring) if (until <= nowMs) this.#expiring.delete(key);
    // Windows differ per poll; the longest plausible one is kept (a day), shorter ones trim on use.
    const horizon = nowMs - Math.max(windowMs, 86_400_000);
    for (const [key, entries] of this.#windows) {
      slide(entries, horizon);
      if (entries.size === 0) this.#windows.delete(key);
    }
    for (const [key, held] of this.#held) {
      for (const [member, at] of held) if (at <= horizon) held.delete(member);
      if (held.size === 0) this.#held.delete(key);
    }
  }
}

/** Drops the entries at or before `cutoff`; they are in counting order, so it stops at the first younger one. */
function slide(entries: Entries, cutoff: number): void {
  for (const [member, at] of entries) {
    if (at > cutoff) return;
    entries.delete(member);
  }
}
