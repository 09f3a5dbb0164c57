import { LRUCache } from 'lru-cache';
import type { VoteTokenRegistry } from './port.ts';

/**
 * Remembers positive answers, least recently used out past `maxEntries` (about 200 bytes each,
 * so the default 10,000 cost a node 2 MB whatever the number of tokens issued). A token is never
 * un-issued, so a positive answer can never go stale. Negative answers are not kept: a token
 * issued a moment ago through another node must count on its first ballot here.
 */
export class CachedVoteTokenRegistry implements VoteTokenRegistry {
  readonly #inner: VoteTokenRegistry;
  readonly #issued: LRUCache<string, true>;

  constructor(inner: VoteTokenRegistry, options: { maxEntries?: number } = {}) {
    this.#inner = inner;
    this.#issued = new LRUCache({ max: options.maxEntries ?? 10_000 });
  }

  async isIssued(pollId: string, tokenHash: string): Promise<boolean> {
    const key = `${pollId} ${tokenHash}`;
    if (this.#issued.has(key)) return true;
    const issued = await this.#inner.isIssued(pollId, tokenHash);
    if (issued) this.#issued.set(key, true);
    return issued;
  }

  get size(): number {
    return this.#issued.size;
  }
}
