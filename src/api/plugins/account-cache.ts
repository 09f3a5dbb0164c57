import { LRUCache } from 'lru-cache';
import type { TokenAccount } from '../../commands/users/token-account.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';

export interface AccountCacheOptions {
  /**
   * How long a node trusts what it learnt about an account. This is the propagation delay of a
   * revocation: a token revoked through another node (logout-everywhere, a new password) still
   * passes here until the entry expires; on the node that revoked it, from its next request on
   * (it forgets the account at once).
   */
  ttlMs: number;
  /** Accounts remembered at most (least recently used go first). */
  max: number;
}

export const DEFAULT_ACCOUNT_CACHE: AccountCacheOptions = { ttlMs: 5_000, max: 50_000 };

/**
 * The accounts behind access tokens, per node. Every authenticated request needs its account's
 * existence and token version, and asking the database each time would cost a query per ballot;
 * a few seconds of memory costs one lookup per active account per TTL. Concurrent misses for one
 * account share a single lookup.
 */
export class AccountCache {
  readonly #cache: LRUCache<string, { account: TokenAccount | null }>;
  readonly #pending = new Map<string, Promise<TokenAccount | null>>();
  readonly #lookup: (userId: string) => Promise<TokenAccount | null>;

  constructor(lookup: (userId: string) => Promise<TokenAccount | null>, options: AccountCacheOptions = DEFAULT_ACCOUNT_CACHE) {
    this.#lookup = lookup;
    // Unknown accounts are remembered too: only this server's signing key can make a token get
    // this far, so a flood of them is not a concern, and nothing can make them exist later.
    this.#cache = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async account(userId: string): Promise<TokenAccount | null> {
    const known = this.#cache.get(userId);
    if (known) return known.account;
    let pending = this.#pending.get(userId);
    if (!pending) {
      const lookup: Promise<TokenAccount | null> = this.#lookup(userId).then(
        (account) => {
          // Kept only if no revocation on this node overtook the lookup (forget drops it from #pending).
          if (this.#pending.get(userId) === lookup) this.#cache.set(userId, { account });
          return account;
        },
        (cause: unknown) => {
          throw new UnavailableError('auth.accounts-unavailable', 'the accounts cannot be checked right now', { cause });
        },
      ).finally(() => {
        if (this.#pending.get(userId) === lookup) this.#pending.delete(userId);
      });
      pending = lookup;
      this.#pending.set(userId, pending);
    }
    return pending;
  }

  /** After this node changed the account's token version: its next request reads it afresh. */
  forget(userId: string): void {
    this.#cache.delete(userId);
    this.#pending.delete(userId);
  }
}
