import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedEvent } from '../../src/event-store/port.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { getResults, results, startProjections, type PostgresProjection, type Projections } from '../../src/projections/index.ts';
import type { LiveResultsMessage } from '../../src/projections/to-nats/live-bus.ts';
import { fanOutResults } from '../../src/projections/to-nats/results-fan-out.ts';
import { encodeResults } from '../../src/projections/to-redis/encode.ts';
import { RedisResultsStore } from '../../src/projections/to-redis/results-store.ts';
import { serviceUrls } from '../support/services.ts';
import { castBallot, createPoll, fastRunner, openHarness, openPoll, silentLogger, type Harness } from '../projections/harness.ts';
import { openTestRedis, RecordingBus, type TestRedis } from './results-support.ts';

/**
 * The post-commit fan-out of the `results` projection, batch by batch: one message per poll per
 * committed batch, named by the batch's last event of the poll; Redis equal to the read model;
 * nothing published before the read model is visible to other connections; failures contained.
 */
let h: Harness;
let r: TestRedis;
let other: Awaited<ReturnType<typeof createSqlPool>>;
let projections: Projections;
let a: { pollId: string };
let b: { pollId: string };
const bus = new RecordingBus();
/** Swapped by a test for a store whose client is not connected. */
let redisStore: RedisResultsStore | undefined;
const batches: Array<{ events: readonly RecordedEvent[]; messages: LiveResultsMessage[] }> = [];
/** Per message: the position another connection's getResults saw when the message was published. */
const visibleAt: Array<{ message: bigint; readModel: bigint }> = [];

beforeAll(async () => {
  h = await openHarness();
  r = await openTestRedis();
  other = await createSqlPool(h.db.url, { maximumPoolSize: 2 });
  bus.onPublish = async (message) => {
    const seen = await getResults(other, message.pollId);
    visibleAt.push({ message: BigInt(message.position), readModel: seen?.position ?? -1n });
  };
  // The real fan-out, wrapped only to record which batch produced which messages.
  const recording: PostgresProjection = {
    ...results,
    async afterCommit(events, context) {
      const before = bus.published.length;
      await fanOutResults(events, context, { bus, redis: redisStore ?? r.store });
      batches.push({ events, messages: bus.published.slice(before) });
    },
  };
  // The first test's history is written before the runner starts, so one batch spans two polls.
  a = await track(createPoll(h.store));
  b = await track(createPoll(h.store));
  await track(openPoll(h.store, a.pollId));
  await track(openPoll(h.store, b.pollId));
  for (let i = 0; i < 3; i++) await track(castBallot(h.store, a.pollId));
  await track(castBallot(h.store, b.pollId));
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, projections: [recording], runner: fastRunner });
});
afterAll(async () => {
  await projections?.stop();
  await other?.end();
  await r?.close();
  await h?.close();
});

// The highest position this file appended: the store's head can lag behind it while other
// databases of the shared server hold old transactions open (positions follow transaction ids).
let appended = 0n;
async function track<T extends { position: bigint }>(append: Promise<T>): Promise<T> {
  const result = await append;
  if (result.position > appended) appended = result.position;
  return result;
}
const caughtUp = () => projections.waitForPosition(appended);

describe('results fan-out after commit', () => {
  it('publishes one message per poll per batch, named by the last event of the poll in the batch', async () => {
    await caughtUp();
    // Written before the runner started, so normally one batch: at least one spans both polls.
    expect(batches.some(({ messages }) => messages.length === 2)).toBe(true);
    for (let i = 0; i < 4; i++) await track(castBallot(h.store, a.pollId));
    await caughtUp();

    expect(batches.length).toBeGreaterThan(0);
    for (const { events, messages } of batches) {
      const last = new Map<string, RecordedEvent>();
      for (const e of events) last.set((e.data as { pollId: string }).pollId, e);
      expect(messages.map((m) => [m.pollId, m.eventId, m.position]).sort()).toEqual(
        [...last].map(([pollId, e]) => [pollId, e.id, Number(e.position)]).sort(),
      );
    }
    const positionsOfA = bus.published.filter((m) => m.pollId === a.pollId).map((m) => m.position);
    expect(positionsOfA).toEqual([...positionsOfA].sort((x, y) => x - y));
    expect(new Set(positionsOfA).size).toBe(positionsOfA.length);
    expect(bus.published.filter((m) => m.pollId === a.pollId).at(-1)?.results).toMatchObject({ totalBallots: 7 });
  });

  it('publishes only once the read model is visible to other connections', () => {
    expect(visibleAt.length).toBeGreaterThan(0);
    for (const { message, readModel } of visibleAt) expect(readModel).toBeGreaterThanOrEqual(message);
  });

  it('leaves Redis equal to getResults from PostgreSQL', async () => {
    for (const pollId of new Set(bus.published.map((m) => m.pollId))) {
      const expected = encodeResults((await getResults(h.sql, pollId))!);
      const stored = await r.store.read(pollId);
      expect(stored).toEqual({ position: expected.position, counts: expected.counts, json: expected.json });
    }
  });

  it('writes every poll of a batch to Redis in one round trip (a pipeline), then publishes each', async () => {
    await caughtUp();
    const both = batches.find(({ messages }) => messages.length === 2)!;
    const pipelines = vi.spyOn(r.store.redis, 'pipeline');
    const direct = vi.spyOn(r.store.redis, 'evalsha');
    const again = new RecordingBus();
    // Forced: the guard refuses what Redis already holds, the round trips are the same.
    await fanOutResults(both.events, { sql: h.sql, logger: silentLogger }, { bus: again, redis: r.store });
    expect(pipelines).toHaveBeenCalledTimes(1);
    expect(direct).not.toHaveBeenCalled();
    expect(again.published.map((m) => m.pollId).sort()).toEqual(both.messages.map((m) => m.pollId).sort());
    pipelines.mockRestore();
    direct.mockRestore();
  });

  it('a failing bus rolls nothing back and stops nothing; the next change republishes', async () => {
    const poll = await track(createPoll(h.store));
    await track(openPoll(h.store, poll.pollId));
    await caughtUp();
    bus.fail = true;
    await track(castBallot(h.store, poll.pollId));
    await caughtUp(); // the projection went on
    expect((await getResults(h.sql, poll.pollId))?.totalBallots).toBe(1);
    // Redis is written before the bus, so it is current even though the publish failed.
    expect((await r.store.read(poll.pollId)).counts.total).toBe('1');
    bus.fail = false;
    const second = await track(castBallot(h.store, poll.pollId));
    await caughtUp();
    const last = bus.published.filter((m) => m.pollId === poll.pollId).at(-1);
    expect(last).toMatchObject({ position: Number(second.position), results: { totalBallots: 2 } });
  });

  it('with Redis away, skips it without failing the publish and marks the store for a reconcile', async () => {
    redisStore = new RedisResultsStore(new Redis(serviceUrls.redis, { lazyConnect: true }), { keyPrefix: r.prefix });
    try {
      const poll = await track(createPoll(h.store));
      await track(openPoll(h.store, poll.pollId));
      const cast = await track(castBallot(h.store, poll.pollId));
      await caughtUp();
      expect(redisStore.missedWrites).toBe(true);
      expect(bus.published.at(-1)).toMatchObject({ pollId: poll.pollId, position: Number(cast.position) });
      expect((await r.store.read(poll.pollId)).position).toBeNull();
    } finally {
      redisStore.redis.disconnect();
      redisStore = undefined;
    }
  });
});
