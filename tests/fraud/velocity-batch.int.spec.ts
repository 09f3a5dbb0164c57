import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it, vi } from 'vitest';
import { InProcessVelocityCounter } from '../../src/adapters/velocity/in-process-velocity-counter.ts';
import { RedisVelocityCounter } from '../../src/adapters/velocity/redis-velocity-counter.ts';
import type { VelocityInput } from '../../src/adapters/velocity/velocity-counter.ts';
import { serviceUrls } from '../support/services.ts';

/** The Redis counter sends the checks of one event-loop turn as one script call. */
const redis = new Redis(serviceUrls.redis, { maxRetriesPerRequest: 1 });
const prefix = `test:fraud-batch:${randomUUID()}:`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const T0 = 1_800_000_000_000;

it('N concurrent checks in one turn make one Redis call, and each gets the answer it would get alone, in asking order', async () => {
  const counter = new RedisVelocityCounter(redis, prefix);
  await counter.record({ pollId: randomUUID(), prefix: '192.0.2.0/24', fingerprint: null, member: 'warm-up', nowMs: T0, windowMs: 1_000, limit: 3, solution: null });
  const [hot, other] = [randomUUID(), randomUUID()];
  const check = (pollId: string, member: string, nowMs: number, over: Partial<VelocityInput> = {}): VelocityInput => ({
    pollId, prefix: '203.0.113.0/24', fingerprint: 'fp-1', member, nowMs, windowMs: 600_000, limit: 3, solution: null, ...over,
  });
  // Four voters, a repeat of the first (not counted again), the fifth crosses the limit and marks
  // the prefix, the sixth finds the mark without a solution, the seventh brings one; another
  // poll and another network are untouched by all of that.
  const checks = [
    check(hot, 'v1', T0 + 1), check(hot, 'v2', T0 + 2), check(hot, 'v3', T0 + 3), check(hot, 'v1', T0 + 4),
    check(hot, 'v4', T0 + 5), check(hot, 'v5', T0 + 6), check(hot, 'v6', T0 + 7, { solution: { id: randomUUID(), expiresAtMs: T0 + 300_000 } }),
    check(other, 'v1', T0 + 8), check(hot, 'v7', T0 + 9, { prefix: '198.51.100.0/24' }),
  ];
  const sent = vi.spyOn(redis, 'sendCommand');
  const readings = await Promise.all(checks.map((c) => counter.record(c)));
  expect(sent).toHaveBeenCalledTimes(1);
  sent.mockRestore();

  const alone = new InProcessVelocityCounter();
  const expected = [];
  for (const c of checks) expected.push(await alone.record(c));
  expect(readings).toEqual(expected);
  expect(readings.map((r) => (r.kind === 'counted' ? r.prefixCount : r.kind))).toEqual([1, 2, 3, 3, 4, 'challenge-required', 5, 1, 1]);
});

it('a failed call fails every check of its batch, and the next turn sends a new one', async () => {
  const counter = new RedisVelocityCounter(redis, prefix);
  const input = (member: string): VelocityInput => ({
    pollId: randomUUID(), prefix: '203.0.113.0/24', fingerprint: null, member, nowMs: T0, windowMs: 600_000, limit: 3, solution: null,
  });
  const call = vi.spyOn(redis, 'pollsterVelocityBatch').mockRejectedValueOnce(new Error('connection lost'));
  const results = await Promise.allSettled([counter.record(input('a')), counter.record(input('b'))]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  await expect(counter.record(input('c'))).resolves.toMatchObject({ kind: 'counted', prefixCount: 1 });
  expect(call).toHaveBeenCalledTimes(2);
  call.mockRestore();
});

it('a flood from a marked prefix is refused without Redis until the mark expires; solutions and other networks still go to Redis', async () => {
  const counter = new RedisVelocityCounter(redis, prefix);
  const pollId = randomUUID();
  const check = (member: string, nowMs: number, over: Partial<VelocityInput> = {}): VelocityInput => ({
    pollId, prefix: '203.0.113.0/24', fingerprint: null, member, nowMs, windowMs: 60_000, limit: 2, solution: null, ...over,
  });
  for (const [i, member] of ['v1', 'v2', 'v3'].entries()) await counter.record(check(member, T0 + i)); // v3 marks the prefix until T0 + 2 + 60,000
  expect(await counter.record(check('flood-0', T0 + 10))).toEqual({ kind: 'challenge-required' });

  const sent = vi.spyOn(redis, 'sendCommand');
  const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => counter.record(check(`flood-${i + 1}`, T0 + 20 + i))));
  expect(flood.every((r) => r.kind === 'challenge-required')).toBe(true);
  expect(sent).not.toHaveBeenCalled();
  // What Redis could count still goes there: a solution, another network, the same network on another poll.
  const solved = await counter.record(check('solver', T0 + 300, { solution: { id: randomUUID(), expiresAtMs: T0 + 300_000 } }));
  const elsewhere = await counter.record(check('neighbour', T0 + 301, { prefix: '198.51.100.0/24' }));
  const otherPoll = await counter.record(check('v1', T0 + 302, { pollId: randomUUID() }));
  expect([solved, elsewhere, otherPoll].map((r) => r.kind)).toEqual(['counted', 'counted', 'counted']);
  expect(sent).toHaveBeenCalledTimes(3);
  sent.mockClear();
  // The solver, newly counted past the limit, moved the mark to T0 + 300 + 60,000 in Redis: once the
  // remembered expiry passes, the next check asks Redis again, learns the later one, and is refused.
  expect(await counter.record(check('late', T0 + 60_100))).toEqual({ kind: 'challenge-required' });
  expect(sent).toHaveBeenCalledTimes(1);
  // Past the later expiry the network is counted again: a remembered mark never outlives Redis's.
  expect(await counter.record(check('after', T0 + 60_301))).toMatchObject({ kind: 'counted' });
  expect(sent).toHaveBeenCalledTimes(2);
  sent.mockRestore();
});
