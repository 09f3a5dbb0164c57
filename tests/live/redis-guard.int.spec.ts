import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollResults } from '../../src/domain/results/results.ts';
import { openTestRedis, type TestRedis } from './results-support.ts';

/** The Lua position guard of the Redis results: idempotent by position, never backwards. */
let t: TestRedis;
beforeAll(async () => {
  t = await openTestRedis();
});
afterAll(async () => t?.close());

const resultsAt = (pollId: string, position: bigint, votes: number): PollResults => ({
  pollId, status: 'active', totalBallots: votes, flaggedPending: 1, position,
  questions: [{ questionId: 'q1', kind: 'single', options: [{ optionId: 'o1', text: 'Yes', votes, percentage: 100 }] }],
});

describe('Redis results guard', () => {
  it('applies position 10, then refuses 5: counts, body and position stay at 10', async () => {
    const pollId = randomUUID();
    expect(await t.store.apply(resultsAt(pollId, 10n, 7))).toBe(true);
    expect(await t.store.apply(resultsAt(pollId, 5n, 3))).toBe(false);
    const stored = await t.store.read(pollId);
    expect(stored.position).toBe('10');
    expect(stored.counts).toEqual({ total: '7', flaggedPending: '1', 'q1:o1': '7' });
    expect((await t.store.results(pollId))?.position).toBe(10n);
    expect((await t.store.results(pollId))?.totalBallots).toBe(7);
  });

  it('applies the same position once: a duplicate delivery is a no-op', async () => {
    const pollId = randomUUID();
    expect(await t.store.apply(resultsAt(pollId, 12n, 4))).toBe(true);
    expect(await t.store.apply(resultsAt(pollId, 12n, 4))).toBe(false);
    expect((await t.store.read(pollId)).counts['q1:o1']).toBe('4');
  });

  it('replaces the counts hash whole: a field the new results lack does not linger', async () => {
    const pollId = randomUUID();
    await t.store.apply(resultsAt(pollId, 1n, 1));
    await t.redis.hset(t.store.keys.counts(pollId), 'stale:field', '99');
    await t.store.apply(resultsAt(pollId, 2n, 2));
    expect(await t.redis.hgetall(t.store.keys.counts(pollId))).toEqual({ total: '2', flaggedPending: '1', 'q1:o1': '2' });
  });

  it('repair rewrites at the same position but not below it; force overwrites', async () => {
    const pollId = randomUUID();
    await t.store.apply(resultsAt(pollId, 20n, 5));
    expect(await t.store.apply(resultsAt(pollId, 20n, 6), 'repair')).toBe(true);
    expect(await t.store.apply(resultsAt(pollId, 19n, 1), 'repair')).toBe(false);
    expect((await t.store.read(pollId)).counts['q1:o1']).toBe('6');
    expect(await t.store.apply(resultsAt(pollId, 3n, 1), 'force')).toBe(true);
    expect((await t.store.read(pollId)).position).toBe('3');
  });

  it('keys carry the poll id in a hash tag, so one script may write all three on Redis Cluster', () => {
    expect(t.store.keys.counts('p1')).toBe(`${t.prefix}poll:{p1}:counts`);
    expect(t.store.keys.results('p1')).toBe(`${t.prefix}poll:{p1}:results`);
    expect(t.store.keys.position('p1')).toBe(`${t.prefix}poll:{p1}:position`);
  });

  it('writes polls with thousands of counters (the script HSETs in slices)', async () => {
    const pollId = randomUUID();
    const options = Array.from({ length: 3000 }, (_, i) => ({ optionId: `o${i}`, text: `${i}`, votes: i, percentage: 0 }));
    const big: PollResults = { ...resultsAt(pollId, 1n, 0), questions: [{ questionId: 'q1', kind: 'multiple', options }] };
    expect(await t.store.apply(big)).toBe(true);
    expect(await t.redis.hlen(t.store.keys.counts(pollId))).toBe(3002);
  });
});
