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
