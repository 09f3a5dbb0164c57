import { describe, expect, it } from 'vitest';
import type { TokenAccount } from '../../commands/users/token-account.ts';
import { UnavailableError } from '../../domain/shared/errors.ts';
import { AccountCache } from './account-cache.ts';

function accounts(initial: Record<string, number>) {
  const versions = new Map(Object.entries(initial));
  let lookups = 0;
  // Reads at once and answers later, as a query whose snapshot predates what happens meanwhile.
  const lookup = async (userId: string): Promise<TokenAccount | null> => {
    lookups++;
    const tokenVersion = versions.get(userId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return tokenVersion === undefined ? null : { tokenVersion };
  };
  return { lookup, versions, lookups: () => lookups };
}

describe('the per-node account cache', () => {
  it('asks once per account within its TTL, concurrent requests included, unknown accounts too', async () => {
    const db = accounts({ ada: 0 });
    const cache = new AccountCache(db.lookup, { ttlMs: 60_000, max: 10 });
    expect(await Promise.all([cache.account('ada'), cache.account('ada'), cache.account('ada')])).toEqual([
      { tokenVersion: 0 }, { tokenVersion: 0 }, { tokenVersion: 0 },
    ]);
    expect(await cache.account('nobody')).toBeNull();
    expect(await cache.account('nobody')).toBeNull();
    expect(db.lookups()).toBe(2);
  });

  it('serves what it learnt until the TTL ends: the propagation delay of a revocation made elsewhere', async () => {
    const db = accounts({ ada: 0 });
    const cache = new AccountCache(db.lookup, { ttlMs: 50, max: 10 });
    await cache.account('ada');
    db.versions.set('ada', 1); // revoked through another node
    expect(await cache.account('ada')).toEqual({ tokenVersion: 0 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache.account('ada')).toEqual({ tokenVersion: 1 });
  });

  it('reads afresh after forget, and never keeps what a lookup overtaken by the revocation read', async () => {
    const db = accounts({ ada: 0 });
    const cache = new AccountCache(db.lookup, { ttlMs: 60_000, max: 10 });
    await cache.account('ada');
    db.versions.set('ada', 1);
    cache.forget('ada');
    expect(await cache.account('ada')).toEqual({ tokenVersion: 1 });

    cache.forget('ada');
    const racing = cache.account('ada'); // a request that started before the revocation...
    db.versions.set('ada', 2);
    cache.forget('ada');
    expect(await racing).toEqual({ tokenVersion: 1 }); // ...is answered as of its start
    expect(await cache.account('ada')).toEqual({ tokenVersion: 2 }); // and the next one is not
  });

  it('turns a failed lookup into 503 auth.accounts-unavailable and remembers nothing of it', async () => {
    let fail = true;
    const cache = new AccountCache(async () => {
      if (fail) throw new Error('connection refused');
      return { tokenVersion: 0 };
    }, { ttlMs: 60_000, max: 10 });
    await expect(cache.account('ada')).rejects.toBeInstanceOf(UnavailableError);
    fail = false;
    expect(await cache.account('ada')).toEqual({ tokenVersion: 0 });
  });
});
