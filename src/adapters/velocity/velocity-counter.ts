/**
 * The port of velocity detection: a sliding-window count per poll and IP prefix (and per client
 * fingerprint), plus the prefix's challenge mark, in ONE call, so the ballot path pays one Redis
 * round trip at most. Two adapters with the same semantics: Redis (a Lua script, atomic across
 * API nodes) and in-process (embedded mode, no Redis).
 *
 * Windows hold voters, not requests. The count runs before the append (a flag must ride in the
 * cast's own write, and a marked prefix must be refused before anything is written), so it cannot
 * know whether the ballot will be accepted. Two rules make it count accepted ballots only:
 * - a voter already in a window is not counted again: retries and duplicates from the same
 *   network within the window add nothing, atomically and at no cost;
 * - an attempt the store then refuses as a duplicate (409) calls `release`, which takes out the
 *   entry that very attempt added (a duplicate from another network, or from after the window).
 *   That costs a round trip on the refusal path only, never on an accepted ballot.
 * An attempt that finds its voter already counted records that it relied on that entry (`held`),
 * so a refused attempt racing the voter's accepted one does not take the accepted one's entry
 * away. A release that never happens (crash, Redis timeout) leaves one voter too many for one
 * window: the error is bounded and on the side of caution.
 */
export interface VelocityInput {
  pollId: string;
  prefix: string;
  /** The client's fingerprint (a keyed hash of its address); null = not counted. */
  fingerprint: string | null;
  /** The voter (a hash of the voter key): one voter is one entry, however many attempts it makes. */
  member: string;
  nowMs: number;
  windowMs: number;
  /** Above this many voters in the window the prefix gets marked for a challenge. */
  limit: number;
  /**
   * A verified puzzle solution the client sent: consumed (single use, remembered until it expires)
   * only when the prefix is marked. Null = none sent (or not valid).
   */
  solution: { id: string; expiresAtMs: number } | null;
}

export type VelocityReading =
  /** The ballot was counted: counts include its voter; `challenged` = the prefix was marked and a solution was spent. */
  | { kind: 'counted'; prefixCount: number; fingerprintCount: number; challenged: boolean }
  /** The prefix is marked and no solution came: nothing was counted. */
  | { kind: 'challenge-required' }
  /** The prefix is marked and the solution was already used: nothing was counted. */
  | { kind: 'challenge-reused' };

export interface VelocityCounter {
  record(input: VelocityInput): Promise<VelocityReading>;
  /**
   * Undoes `record(input)` (the same input) for an attempt refused as a duplicate: removes the
   * voter's entries only where this attempt added them (their time is its `nowMs`) and no other
   * attempt of the voter relied on them. A mark that attempt set stays: the prefix then already
   * holds `limit` voters, so the next one would set it anyway. A spent solution stays spent.
   */
  release(input: VelocityInput): Promise<void>;
  /**
   * True if this counter already knows, without asking anyone, that the prefix is marked on the
   * poll at `nowMs`: a check without a solution would be refused. False says nothing.
   */
  knowsMarked(pollId: string, prefix: string, nowMs: number): boolean;
  close?(): Promise<void>;
}
