import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { getResults } from '../../src/projections/results/get-results.ts';
import { resultsSubject } from '../../src/projections/to-nats/live-bus.ts';
import { NatsLiveBus } from '../../src/projections/to-nats/nats-live-bus.ts';
import { encodeResults } from '../../src/projections/to-redis/encode.ts';
import { keepRedisReconciled, reconcileRedis, reconcileRedisIfEmpty } from '../../src/projections/to-redis/reconcile.ts';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { serviceUrls } from '../support/services.ts';
import { openTestRedis, recordSubject, type Recorded, type TestRedis, until } from './results-support.ts';

/**
 * The live side through the API, against real Redis and NATS: ballots cast over HTTP end up in
 * Redis equal to the PostgreSQL read model, getResults answers from Redis, reconcile restores
 * lost keys, and a NATS subscriber sees each committed update once, in order, after the commit.
 */
const logger = pino({ level: 'silent' });
let t: TestApp;
let r: TestRedis;
let bus: NatsLiveBus;
let poll: any;
let watcher: { nc: NatsConnection; seen: Recorded[] };
/** Per message: the read model's position (PostgreSQL) when the subscriber received it. */
const atReceipt: Array<{ message: number; readModel: number }> = [];
let lastPosition = 0;

beforeAll(async () => {
  r = await openTestRedis();
  bus = await NatsLiveBus.connect(serviceUrls.nats, logger);
  t = await createTestApp({}, { bus, redis: r.store });
  const organizer = await callerWith(t, 'organizer');
  poll = await openedPoll(t.app, organizer);
  watcher = await recordSubject(resultsSubject(poll.pollId), async ({ message }) => {
    const seen = await getResults(t.services.sql, poll.pollId);
    atReceipt.push({ message: message.position, readModel: Number(seen?.position ?? -1) });
  });
  for (let i = 0; i < 5; i++) {
    const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: answersFor(poll) } });
    expect(cast.status).toBe(201);
    lastPosition = cast.body.position;
  }
  await t.services.readModelsAt(BigInt(lastPosition));
});
afterAll(async () => {
  await watcher?.nc.close();
  await t?.close();
  await bus?.close();
  await r?.close();
});

const fromPostgres = async () => encodeResults((await getResults(t.services.sql, poll.pollId))!);

describe('live results through the API', () => {
  it('Redis counts equal getResults from PostgreSQL after ballots through the API', async () => {
    const expected = await fromPostgres();
    expect(expected.counts.total).toBe('5');
    expect(await r.store.read(poll.pollId)).toEqual({ position: expected.position, counts: expected.counts, json: expected.json });
  });

  it('getResults answers from Redis (and `?at=` still replays the log)', async () => {
    const body = (await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body;
    expect(body).toEqual(JSON.parse((await fromPostgres()).json));
    // Tamper with the cached body at a later position: the route must show it, proving it read Redis.
    const marked = { ...(await t.services.resultsCache!.get(poll.pollId))!, position: BigInt(lastPosition) + 1000n, flaggedPending: 42 };
    await r.store.apply(marked);
    expect((await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results` })).body.flaggedPending).toBe(42);
    const at = await call(t.app, { method: 'GET', url: `/api/polls/${poll.pollId}/results?at=${lastPosition}` });
    expect(at.body).toMatchObject({ flaggedPending: 0, totalBallots: 5, position: lastPosition });
  });

  it('reconcile repairs a Redis ahead of its read model and restores lost keys', async () => {
    // The tampered body from the test before is "ahead": reconcile overwrites it with PostgreSQL's.
    const ahead = await reconcileRedis({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix });
    expect(ahead.differences.map((d) => d.pollId)).toEqual([poll.pollId]);
    expect(ahead.repaired).toBe(1);
    await r.store.delete(poll.pollId); // Redis lost its data
    await r.redis.del(r.store.keys.seeded());
    const restored = await reconcileRedisIfEmpty({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix });
    expect(restored).toMatchObject({ polls: 1, inSync: 0, repaired: 1, differences: [{ pollId: poll.pollId, problems: ['missing'] }] });
    const expected = await fromPostgres();
    expect(await r.store.read(poll.pollId)).toEqual({ position: expected.position, counts: expected.counts, json: expected.json });
    // Seeded now: nothing to do at the next start, and a second full run finds everything in sync.
    expect(await reconcileRedisIfEmpty({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix })).toBeNull();
    expect(await reconcileRedis({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix })).toMatchObject({ inSync: 1, differences: [] });
  });

  it('keepRedisReconciled restores a Redis that comes back empty, at start and after a reconnect', async () => {
    const loseData = async () => {
      await r.store.delete(poll.pollId);
      await r.redis.del(r.store.keys.seeded());
    };
    const restored = async () => (await r.store.read(poll.pollId)).position === (await fromPostgres()).position;
    await loseData();
    const { stop } = keepRedisReconciled({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix });
    try {
      await until(restored);
      await loseData();
      r.redis.disconnect(true); // as after a Redis restart without persistence
      await until(restored);
    } finally {
      stop();
    }
  });

  it('keepRedisReconciled runs a full reconcile at the reconnect after the fan-out missed writes', async () => {
    const { stop } = keepRedisReconciled({ sql: t.services.sql, redis: r.redis, logger, keyPrefix: r.prefix, store: r.store });
    try {
      await r.redis.hset(r.store.keys.counts(poll.pollId), 'total', '999'); // stale, marker still there
      r.store.missedWrites = true; // as the fan-out sets it while Redis is away
      r.redis.disconnect(true);
      await until(async () => (await r.store.read(poll.pollId)).counts.total === '5');
      expect(r.store.missedWrites).toBe(false);
    } finally {
      stop();
    }
  });

  it('NATS: one message per committed update, increasing positions, the event id as Nats-Msg-Id', async () => {
    await until(() => watcher.seen.at(-1)?.message.position === lastPosition);
    const positions = watcher.seen.map((s) => s.message.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    for (const { message, msgId } of watcher.seen) {
      expect(msgId).toBe(message.eventId);
      const [event] = (await t.services.store.readAll({ from: BigInt(message.position) - 1n, limit: 1 })).events;
      expect(event).toMatchObject({ id: message.eventId, position: BigInt(message.position) });
      expect(message.results).toMatchObject({ pollId: poll.pollId, position: message.position });
    }
  });

  it('NATS: published after the read model committed (PostgreSQL at receipt is at or past the message)', async () => {
    await until(() => atReceipt.length === watcher.seen.length);
    expect(atReceipt.length).toBeGreaterThan(0);
    for (const { message, readModel } of atReceipt) expect(readModel).toBeGreaterThanOrEqual(message);
  });
});
