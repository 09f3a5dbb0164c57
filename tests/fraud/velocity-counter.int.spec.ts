import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessVelocityCounter } from '../../src/adapters/velocity/in-process-velocity-counter.ts';
import { RedisVelocityCounter } from '../../src/adapters/velocity/redis-velocity-counter.ts';
import type { VelocityCounter, VelocityInput } from '../../src/adapters/velocity/velocity-counter.ts';
import { serviceUrls } from '../support/services.ts';

/** One contract, both adapters: the embedded mode must detect exactly what the Redis one does. */
const redis = new Redis(serviceUrls.redis, { maxRetriesPerRequest: 1 });
const prefix = `test:fraud:${randomUUID()}:`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const adapters: Array<[string, () => VelocityCounter]> = [
  ['in-process', () => new InProcessVelocityCounter()],
  ['redis', () => new RedisVelocityCounter(redis, prefix)],
];

describe.each(adapters)('VelocityCounter (%s)', (_name, make) => {
  const T0 = 1_800_000_000_000;
  const input = (over: Partial<VelocityInput> & { pollId: string }): VelocityInput => ({
    prefix: '203.0.113.0/24', fingerprint: 'fp-1', member: randomUUID(), nowMs: T0, windowMs: 600_000, limit: 3, solution: null, ...over,
  });

  it('counts per poll and prefix, marks the prefix once the limit is passed, then asks for a challenge', async () => {
    const counter = make();
    const pollId = randomUUID();
    const counts = [];
    for (let i = 0; i < 4; i++) counts.push(await counter.record(input({ pollId, nowMs: T0 + i })));
    expect(counts.map((c) => c.kind === 'counted' && c.prefixCount)).toEqual([1, 2, 3, 4]);
    expect(await counter.record(input({ pollId, nowMs: T0 + 5 }))).toEqual({ kind: 'challenge-required' });
    // Other prefixes and other polls are not affected.
    expect(await counter.record(input({ pollId, prefix: '198.51.100.0/24', nowMs: T0 + 6 }))).toMatchObject({ kind: 'counted', prefixCount: 1 });
    expect(await counter.record(input({ pollId: randomUUID(), nowMs: T0 + 7 }))).toMatchObject({ kind: 'counted', prefixCount: 1 });
  });

  it('knows a prefix it has refused is marked, until the mark expires, for that poll and prefix only', async () => {
    const counter = make();
    const pollId = randomUUID();
    for (let i = 0; i < 4; i++) await counter.record(input({ pollId, nowMs: T0 + i, windowMs: 1_000 }));
    expect(await counter.record(input({ pollId, nowMs: T0 + 5, windowMs: 1_000 }))).toEqual({ kind: 'challenge-required' });
    expect(counter.knowsMarked(pollId, '203.0.113.0/24', T0 + 6)).toBe(true);
    expect(counter.knowsMarked(pollId, '203.0.113.0/24', T0 + 3 + 1_000)).toBe(false); // one window after the 4th voter
    expect(counter.knowsMarked(pollId, '198.51.100.0/24', T0 + 6)).toBe(false);
    expect(counter.knowsMarked(randomUUID(), '203.0.113.0/24', T0 + 6)).toBe(false);
  });

  it('spends a solution once; a challenged ballot is still counted', async () => {
    const counter = make();
    const pollId = randomUUID();
    for (let i = 0; i < 4; i++) await counter.record(input({ pollId, nowMs: T0 + i }));
    const solution = { id: randomUUID(), expiresAtMs: T0 + 300_000 };
    expect(await counter.record(input({ pollId, nowMs: T0 + 10, solution }))).toEqual({
      kind: 'counted', prefixCount: 5, fingerprintCount: 5, challenged: true,
    });
    expect(await counter.record(input({ pollId, nowMs: T0 + 11, solution }))).toEqual({ kind: 'challenge-reused' });
  });

  it('slides: ballots older than the window drop out, and the mark expires one window after the burst', async () => {
    const counter = make();
    const pollId = randomUUID();
    for (let i = 0; i < 4; i++) await counter.record(input({ pollId, nowMs: T0 + i, windowMs: 1_000 }));
    const later = await counter.record(input({ pollId, nowMs: T0 + 1_003, windowMs: 1_000 }));
    expect(later).toMatchObject({ kind: 'counted', prefixCount: 1, challenged: false });
  });

  it('counts fingerprints apart, and not at all when none is given', async () => {
    const counter = make();
    const pollId = randomUUID();
    await counter.record(input({ pollId, fingerprint: 'a', limit: 100 }));
    await counter.record(input({ pollId, fingerprint: 'a', limit: 100 }));
    expect(await counter.record(input({ pollId, fingerprint: 'b', limit: 100 }))).toMatchObject({ prefixCount: 3, fingerprintCount: 1 });
    expect(await counter.record(input({ pollId, fingerprint: null, limit: 100 }))).toMatchObject({ prefixCount: 4, fingerprintCount: 0 });
  });

  it('counts a voter once per window, however many attempts', async () => {
    const counter = make();
    const pollId = randomUUID();
    const voter = randomUUID();
    const readings = [];
    for (let i = 0; i < 10; i++) readings.push(await counter.record(input({ pollId, member: voter, nowMs: T0 + i })));
    expect(readings.map((r) => r.kind === 'counted' && [r.prefixCount, r.fingerprintCount])).toEqual(Array(10).fill([1, 1]));
    for (let i = 0; i < 3; i++) await counter.record(input({ pollId, nowMs: T0 + 20 + i }));
    // Four voters: past the limit of 3, marked by the fourth.
    expect(await counter.record(input({ pollId, nowMs: T0 + 30 }))).toEqual({ kind: 'challenge-required' });
    // After the window the voter counts again (an entry per voter per window).
    expect(await counter.record(input({ pollId, member: voter, nowMs: T0 + 700_000 }))).toMatchObject({ kind: 'counted', prefixCount: 1 });
  });

  it('a voter\'s repeats do not prolong the mark', async () => {
    const counter = make();
    const pollId = randomUUID();
    const voter = randomUUID();
    const at = (nowMs: number, over: Partial<VelocityInput> = {}) => input({ pollId, nowMs, windowMs: 1_000, limit: 1, ...over });
    await counter.record(at(T0, { member: voter }));
    expect(await counter.record(at(T0 + 1))).toMatchObject({ prefixCount: 2 });
    const solution = { id: randomUUID(), expiresAtMs: T0 + 300_000 };
    expect(await counter.record(at(T0 + 500, { member: voter, solution }))).toMatchObject({ kind: 'counted', prefixCount: 2, challenged: true });
    // The mark of the second voter ends at T0 + 1001; a re-mark by the repeat would last to T0 + 1500.
    expect(await counter.record(at(T0 + 1_002))).toMatchObject({ kind: 'counted', prefixCount: 1, challenged: false });
  });

  it('release takes back only what the refused attempt added', async () => {
    const counter = make();
    const pollId = randomUUID();
    const voter = randomUUID();
    const home = { prefix: '198.51.100.0/24', fingerprint: 'home' };
    // The voter's ballot was counted at home; a duplicate on the room's network adds it there, then is refused.
    await counter.record(input({ pollId, member: voter, ...home, nowMs: T0 }));
    const duplicate = input({ pollId, member: voter, nowMs: T0 + 5 });
    expect(await counter.record(duplicate)).toMatchObject({ prefixCount: 1, fingerprintCount: 1 });
    await counter.release(duplicate);
    expect(await counter.record(input({ pollId, nowMs: T0 + 6 }))).toMatchObject({ prefixCount: 1, fingerprintCount: 1 });
    // A duplicate of a voter counted here already added nothing, so its release removes nothing.
    const again = input({ pollId, member: voter, ...home, nowMs: T0 + 7 });
    expect(await counter.record(again)).toMatchObject({ prefixCount: 1 });
    await counter.release(again);
    expect(await counter.record(input({ pollId, ...home, nowMs: T0 + 8 }))).toMatchObject({ prefixCount: 2, fingerprintCount: 2 });
    // Releasing twice, or after someone else was counted, changes nothing more.
    await counter.release(duplicate);
    expect(await counter.record(input({ pollId, nowMs: T0 + 9 }))).toMatchObject({ prefixCount: 2 });
  });

  it('a refused attempt that raced the accepted one keeps the entry the accepted one relied on', async () => {
    const counter = make();
    const pollId = randomUUID();
    const voter = randomUUID();
    // Two concurrent attempts of one voter: the later-refused one is counted first.
    const refused = input({ pollId, member: voter, nowMs: T0 });
    await counter.record(refused);
    expect(await counter.record(input({ pollId, member: voter, nowMs: T0 + 1 }))).toMatchObject({ prefixCount: 1 });
    await counter.release(refused);
    expect(await counter.record(input({ pollId, nowMs: T0 + 2 }))).toMatchObject({ prefixCount: 2 });
    // Same millisecond too.
    const sameMs = input({ pollId, member: randomUUID(), nowMs: T0 + 3 });
    await counter.record(sameMs);
    await counter.record({ ...sameMs });
    await counter.release(sameMs);
    expect(await counter.record(input({ pollId, limit: 100, nowMs: T0 + 4 }))).toMatchObject({ prefixCount: 4 });
  });
});
