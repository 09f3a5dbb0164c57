import { createHash, randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedVoteTokenRegistry } from '../../src/adapters/vote-tokens/cached-registry.ts';
import type { VoteTokenRegistry } from '../../src/adapters/vote-tokens/port.ts';
import { PostgresVoteTokenRegistry } from '../../src/adapters/vote-tokens/postgres-registry.ts';
import { StreamVoteTokenRegistry } from '../../src/adapters/vote-tokens/stream-registry.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * The vote token registry against real PostgreSQL, events written through the event store as the
 * commands write them: the index adapter (migration 019) and the stream-reading one give the same
 * answers, and neither takes a hash from the wrong poll or from an event that issues nothing.
 */
let db: TestDatabase;
let store: PostgresEventStore;
let pool: DatabasePool;
let queries = 0;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const issue = (pollId: string, revision: bigint | 'no_stream', tokenHashes: string[]) =>
  store.append(`poll-${pollId}`, [{ id: randomUUID(), type: 'VoteTokensIssued', data: { pollId, tokenHashes, issuedAt: new Date().toISOString() } }], revision);

// Two polls: A issued two batches (10,000 hashes, then 3), B one batch; C issued none.
const pollA = randomUUID();
const pollB = randomUUID();
const pollC = randomUUID();
const batchA = Array.from({ length: 10_000 }, (_, i) => hash(`a-${i}`));
const lateA = [hash('a-late-1'), hash('a-late-2'), hash('a-late-3')];
const onlyB = hash('b-0');
/** In events that issue nothing: another type in the poll stream, and the right type outside the `poll` category. */
const notIssued = { inOtherType: hash('in-other-type'), inOtherCategory: hash('in-other-category') };

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore({ connectionString: db.url });
  const real = await createSqlPool(db.url, { maximumPoolSize: 2 });
  // Counts statements, so a test can see one event-loop turn of lookups cost one query.
  pool = new Proxy(real, {
    get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'any' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        queries++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  await issue(pollA, 'no_stream', batchA);
  await issue(pollA, 0n, lateA);
  await issue(pollB, 'no_stream', [onlyB]);
  await store.append(`poll-${pollB}`, [{ id: randomUUID(), type: 'MilestoneReached', data: { pollId: pollB, tokenHashes: [notIssued.inOtherType] } }], 0n);
  await store.append(`ballot-${pollB}-t.x`, [{ id: randomUUID(), type: 'VoteTokensIssued', data: { pollId: pollB, tokenHashes: [notIssued.inOtherCategory] } }], 'no_stream');
});

afterAll(async () => {
  await pool?.end();
  await store?.close();
  await db?.drop();
});

const adapters: Array<[string, () => VoteTokenRegistry]> = [
  ['postgres index', () => new PostgresVoteTokenRegistry(pool)],
  ['poll stream', () => new StreamVoteTokenRegistry(store)],
];

describe.each(adapters)('%s registry', (_name, make) => {
  it('finds a token issued for the poll, in any of its batches', async () => {
    const registry = make();
    expect(await registry.isIssued(pollA, batchA[0]!)).toBe(true);
    expect(await registry.isIssued(pollA, batchA[9_999]!)).toBe(true);
    expect(await registry.isIssued(pollA, lateA[2]!)).toBe(true);
    expect(await registry.isIssued(pollB, onlyB)).toBe(true);
  });

  it('refuses a token issued for another poll', async () => {
    const registry = make();
    expect(await registry.isIssued(pollB, batchA[0]!)).toBe(false);
    expect(await registry.isIssued(pollA, onlyB)).toBe(false);
    expect(await registry.isIssued(pollC, onlyB)).toBe(false);
  });

  it('refuses an unknown token, and a hash that only appears in events that issue nothing', async () => {
    const registry = make();
    expect(await registry.isIssued(pollA, hash('never issued'))).toBe(false);
    expect(await registry.isIssued(pollB, notIssued.inOtherType)).toBe(false);
    expect(await registry.isIssued(pollB, notIssued.inOtherCategory)).toBe(false);
    expect(await registry.isIssued(randomUUID(), hash('a-0'))).toBe(false);
  });

  it('answers each of many lookups made in one turn with its own answer', async () => {
    const registry = make();
    const asked = Array.from({ length: 600 }, (_, i) => {
      switch (i % 4) {
        case 0: return { pollId: pollA, tokenHash: batchA[i]!, expected: true };
        case 1: return { pollId: pollB, tokenHash: batchA[i]!, expected: false };
        case 2: return { pollId: pollA, tokenHash: hash(`unknown-${i}`), expected: false };
        default: return { pollId: i % 8 === 3 ? pollB : pollA, tokenHash: i % 8 === 3 ? onlyB : lateA[i % 3]!, expected: true };
      }
    });
    const answers = await Promise.all(asked.map((q) => registry.isIssued(q.pollId, q.tokenHash)));
    expect(answers).toEqual(asked.map((q) => q.expected));
  });
});

describe('postgres index registry', () => {
  it('asks the lookups of one event-loop turn in one query, and the next turn in another', async () => {
    const registry = new PostgresVoteTokenRegistry(pool);
    const before = queries;
    const first = await Promise.all(batchA.slice(0, 300).map((h) => registry.isIssued(pollA, h)));
    expect(first.every(Boolean)).toBe(true);
    expect(queries - before).toBe(1);
    expect(await registry.isIssued(pollA, lateA[0]!)).toBe(true);
    expect(queries - before).toBe(2);
  });

  it('splits a turn larger than its batch into several queries, answers intact', async () => {
    const registry = new PostgresVoteTokenRegistry(pool, { maxBatch: 100 });
    const before = queries;
    const answers = await Promise.all(batchA.slice(0, 250).map((h, i) => registry.isIssued(i % 2 ? pollA : pollB, h)));
    expect(answers).toEqual(batchA.slice(0, 250).map((_, i) => i % 2 === 1));
    expect(queries - before).toBe(3);
  });

  it('sees a token the moment its issuing append returned (no cache, no tail to wait for)', async () => {
    const registry = new PostgresVoteTokenRegistry(pool);
    const fresh = hash(`fresh-${randomUUID()}`);
    expect(await registry.isIssued(pollC, fresh)).toBe(false);
    await issue(pollC, 'no_stream', [fresh]);
    expect(await registry.isIssued(pollC, fresh)).toBe(true);
  });

  it('a database it cannot reach is a 503 the voter may retry (vote-tokens.unavailable), not an internal error', async () => {
    const failing = { any: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); } } as unknown as DatabasePool;
    const registry = new PostgresVoteTokenRegistry(failing);
    const asked = [registry.isIssued(pollA, batchA[0]!), registry.isIssued(pollB, onlyB)];
    for (const answer of asked) await expect(answer).rejects.toMatchObject({ kind: 'unavailable', code: 'vote-tokens.unavailable' });
  });
});

describe('cached registry', () => {
  it('keeps positive answers and asks again after a negative one', async () => {
    const asked: string[] = [];
    const issued = new Set([hash('kept')]);
    const cached = new CachedVoteTokenRegistry({
      isIssued: async (_pollId, tokenHash) => {
        asked.push(tokenHash);
        return issued.has(tokenHash);
      },
    }, { maxEntries: 2 });
    expect(await cached.isIssued(pollA, hash('kept'))).toBe(true);
    expect(await cached.isIssued(pollA, hash('kept'))).toBe(true);
    expect(await cached.isIssued(pollA, hash('later'))).toBe(false);
    issued.add(hash('later'));
    expect(await cached.isIssued(pollA, hash('later'))).toBe(true);
    expect(asked).toEqual([hash('kept'), hash('later'), hash('later')]);
    // Keyed by poll too: a positive for poll A says nothing about poll B.
    expect(await cached.isIssued(pollB, hash('kept'))).toBe(true);
    expect(asked).toHaveLength(4);
    expect(cached.size).toBe(2);
  });
});
