/**
 * Redis key names of the results projection. The poll id sits in a hash tag (`{...}`) so the
 * three keys of a poll hash to one slot: the Lua script that writes them together then also runs
 * on Redis Cluster (ARCHITECTURE.md, "Scale past one machine"). `prefix` isolates one
 * deployment (or one test) sharing a Redis with others; it is empty in production.
 */
export interface ResultsKeys {
  /** Hash: `<questionId>:<optionId>` → votes, plus `total` and `flaggedPending`. */
  counts(pollId: string): string;
  /** The getResults body (API.md) as JSON, position as a number like the API. */
  results(pollId: string): string;
  /** Decimal `$all` position the two keys above are current through; the Lua guard compares it. */
  position(pollId: string): string;
  /** Set once a full reconcile finished: missing means Redis lost its data (or never had it). */
  seeded(): string;
}

export function resultsKeys(prefix = ''): ResultsKeys {
  return {
    counts: (pollId) => `${prefix}poll:{${pollId}}:counts`,
    results: (pollId) => `${prefix}poll:{${pollId}}:results`,
    position: (pollId) => `${prefix}poll:{${pollId}}:position`,
    seeded: () => `${prefix}pollster:results:seeded`,
  };
}
