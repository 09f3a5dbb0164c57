/**
 * The port of velocity detection: a sliding-window count per poll and IP prefix (and per client
 * fingerprint), plus the prefix's challenge mark, in ONE call, so the ballot path pays one Redis
 * round trip at most. Two adapters with the same semantics: Redis (a Lua script, atomic across
 * API nodes) and in-process (embedded mode, no Redis).
 */
export interface VelocityInput {
  pollId: string;
  /** `203.0.113.0/24`, `2001:db8:1::/48`. */
  prefix: string;
  /** Hash of the full client address and user agent; null = not counted. */
  fingerprint: string | null;
  /** Unique per ballot (the ballot id), so two ballots in one millisecond both count. */
  member: string;
  nowMs: number;
  windowMs: number;
  /** Above this many ballots in the window the prefix gets marked for a challenge. */
  limit: number;
  /**
   * A verified puzzle solution the client sent: consumed (single use, remembered until it expires)
   * only when the prefix is marked. Null = none sent (or not valid).
   */
  solution: { id: string; expiresAtMs: number } | null;
}

export type VelocityReading =
  /** The ballot was counted: counts include it; `challenged` = the prefix was marked and a solution was spent. */
  | { kind: 'counted'; prefixCount: number; fingerprintCount: number; challenged: boolean }
  /** The prefix is marked and no solution came: nothing was counted. */
  | { kind: 'challenge-required' }
  /** The prefix is marked and the solution was already used: nothing was counted. */
  | { kind: 'challenge-reused' };

export interface VelocityCounter {
  record(input: VelocityInput): Promise<VelocityReading>;
  close?(): Promise<void>;
}
