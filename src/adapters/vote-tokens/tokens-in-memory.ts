import type { VoteTokenRegistry } from './port.ts';

/** Hashes held by default (VOTE_TOKENS_IN_MEMORY): about 40 MB at most. */
export const DEFAULT_TOKENS_IN_MEMORY = 500_000;

/** What the poll cache tells about the VoteTokensIssued events of the polls it holds. */
export interface IssuedTokensSink {
  /** Hashes of a VoteTokensIssued event read from the poll's own stream. */
  issued(pollId: string, tokenHashes: readonly string[]): void;
  /** The poll left the cache: its hashes go too (the next load reads them again). */
  forget(pollId: string): void;
}

/**
 * The hashes of the tokens issued for the polls the poll cache holds, so that a ballot of an
 * issued token is decided without a lookup in PostgreSQL: at 5,000 ballots/s that lookup was 12%
 * of the ingest throughput, and at moderate load one more round trip per ballot.
 *
 * Only "issued" is answered from here, and every hash in it came from a VoteTokensIssued event of
 * the poll's own stream, which is never taken back: a remembered hash can never be a wrong yes.
 * Anything not held (a token issued a moment ago through another node and not yet read by the
 * cache's tail, a poll past the budget, a forged token) is asked of `inner`, the log's own
 * lookup, exactly as before. So this changes the cost of a yes, never an answer.
 *
 * Memory is bounded: at most `maxHashes` hashes across polls (each kept as 32 bytes, about 70
 * bytes of heap with the set's own cost, 80 in a server), and a poll's hashes go with the poll when
 * the cache drops it. When newly issued hashes do not fit, the polls voted in least recently give
 * up theirs (a poll that closed long ago does not keep a hot one out); a poll with more tokens than
 * the budget holds what fits. Whatever is not held is looked up as before.
 */
export class IssuedTokensInMemory implements VoteTokenRegistry, IssuedTokensSink {
  readonly #inner: VoteTokenRegistry;
  readonly #maxHashes: number;
  /** In the order of their last use (a lookup or an issuance), least recent first. */
  readonly #polls = new Map<string, Set<string>>();
  #held = 0;
  #lastUsed: string | undefined;

  constructor(inner: VoteTokenRegistry, options: { maxHashes: number }) {
    this.#inner = inner;
    this.#maxHashes = options.maxHashes;
  }

  isIssued(pollId: string, tokenHash: string): Promise<boolean> {
    const hashes = this.#use(pollId);
    const key = packed(tokenHash);
    if (key !== undefined && hashes?.has(key)) return Promise.resolve(true);
    return this.#inner.isIssued(pollId, tokenHash);
  }

  issued(pollId: string, tokenHashes: readonly string[]): void {
    let hashes = this.#use(pollId);
    for (const hash of tokenHashes) {
      const key = packed(hash);
      if (key === undefined || hashes?.has(key)) continue;
      if (this.#held >= this.#maxHashes && !this.#evictOtherThan(pollId)) return;
      if (!hashes) {
        hashes = new Set();
        this.#polls.set(pollId, hashes);
        this.#lastUsed = pollId;
      }
      hashes.add(key);
      this.#held++;
    }
  }

  forget(pollId: string): void {
    this.#held -= this.#polls.get(pollId)?.size ?? 0;
    this.#polls.delete(pollId);
    if (this.#lastUsed === pollId) this.#lastUsed = undefined;
  }

  /** The poll's hashes, moved to the most recently used end (a map re-insert, skipped for the poll used last). */
  #use(pollId: string): Set<string> | undefined {
    const hashes = this.#polls.get(pollId);
    if (hashes === undefined || this.#lastUsed === pollId) return hashes;
    this.#polls.delete(pollId);
    this.#polls.set(pollId, hashes);
    this.#lastUsed = pollId;
    return hashes;
  }

  /** Frees the least recently used poll's hashes, never `pollId`'s; false if there is none to free. */
  #evictOtherThan(pollId: string): boolean {
    for (const other of this.#polls.keys()) {
      if (other === pollId) continue;
      this.forget(other);
      return true;
    }
    return false;
  }

  /** Hashes held, across polls. */
  get size(): number {
    return this.#held;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A sha256 hex digest as 32 one-byte characters (70 bytes of heap instead of 100); anything else is never held. */
function packed(hash: string): string | undefined {
  return SHA256_HEX.test(hash) ? Buffer.from(hash, 'hex').toString('latin1') : undefined;
}
