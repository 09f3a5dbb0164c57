import { LRUCache } from 'lru-cache';
import type { TokenAccount } from '../../commands/users/token-account.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';

export interface AccountCacheOptions {
  /**
   * How long a node trusts what it learnt about an account. This is the propagation delay of a
   * revocation: a token revoked through another node (logout-everywhere, a new password) still
   * passes here until the entry expires; on the node that revoked it, never (it forgets at once).
   */
  ttlMs: number;
  /** Accounts remembered at most (least recently used go first). */
  max: number;
}

export const DEFAULT_ACCOUNT_CACHE: AccountCacheOptions = { ttlMs: 5_000, max: 50_000 };

/**
 * The accounts behind access tokens, per node. Every authenticated request needs its account's
 * existence and token version, and asking the database each time would cost two queries per
 * ballot; a few seconds of memory costs one lookup per active account per TTL. Concurrent misses
 * for one account share a single lookup.
 */
export class AccountCache {
  readonly #cache: LRUCache<string, { account: TokenAccount | null }>;
  readonly #lookup: (userId: string) => Promise<TokenAccount | null>;

  constructor(lookup: (userId: string) => Promise<TokenAccount | null>, options: AccountCacheOptions = DEFAULT_ACCOUNT_CACHE) {
    this.#lookup = lookup;
    // Unknown accounts are remembered too: only this server's signing key can make a token get
    // this far, so a flood of them is not a concern, and nothing can make them exist later.
    this.#cache = new LRUCache({ max: options.max, ttl: options.ttlMs, fetchMethod: async (userId) => ({ account: await lookup(userId) }) });
  }

  async account(userId: string): Promise<TokenAccount | null> {
    try {
      const entry = await this.#cache.fetch(userId);
      // Undefined: `forget` aborted the lookup this request joined, which may have read the
      // account before its revocation; ask again rather than trust it.
      return entry ? entry.account : await this.#lookup(userId);
    } catch (cause) {
      throw new UnavailableError('auth.accounts-unavailable', 'the accounts cannot be checked right now', { cause });
    }
  }

  /** After this node changed the account's token version: its next request reads it afresh. */
  forget(userId: string): void {
    this.#cache.delete(userId);
  }
}
