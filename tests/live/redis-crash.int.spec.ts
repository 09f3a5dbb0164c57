import { once } from 'node:events';
import { Redis } from 'ioredis';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { currentResults } from '../../src/projections/queries.ts';
import { RedisResultsCache } from '../../src/projections/to-redis/results-cache.ts';
import { RedisResultsStore } from '../../src/projections/to-redis/results-store.ts';
import { serviceUrls } from '../support/services.ts';
import { castBallot, createPoll, type Harness, openHarness, openPoll, silentLogger } from '../projections/harness.ts';
import { spawnWorker, type WorkerProcess } from '../projections/worker-process.ts';
import { until } from './results-support.ts';

/**
 * A worker killed (SIGKILL) after the results read model committed and before Redis heard of it,
 * on a poll that gets no later event: readers must not serve the stale Redis entry, and the next
 * worker brings Redis up to the read model by itself. The kill is a fault point, not luck.
 */
let h: Harness;
let redis: Redis;
let store: RedisResultsStore;
const workers: WorkerProcess[] = [];
let pollId: string;

beforeAll(async () => {
  h = await openHarness();
  redis = new Redis(serviceUrls.redis, { maxRetriesPerRequest: 1 });
  store = new RedisResultsStore(redis); // the worker process writes without a key prefix
});
afterAll(async () => {
  for (const w of workers) await w.kill();
  if (pollId) await store.delete(pollId);
  redis.disconnect();
  await h?.close();
});

const worker = (env: Record<string, string> = {}) => {
  const w = spawnWorker(h.db.url, { REDIS_URL: serviceUrls.redis, PROJECTION_PARTITIONS: '1', ...env });
  workers.push(w);
  return w;
};
const readModelTotal = async () =>
  (await h.sql.maybeOne(sql.type(z.object({ total_ballots: z.number() }))`
    SELECT total_ballots FROM read.result_polls WHERE poll_id = ${pollId}`))?.total_ballots;
const redisTotal = async () => Number((await store.read(pollId)).counts.total ?? -1);
const served = async () =>
  (await currentResults({ sql: h.sql, store: h.store, resultsCache: new RedisResultsCache(store, silentLogger) }, pollId))?.totalBallots;

describe('Redis results after a worker dies between the read model commit and the Redis write', () => {
  it('are never served stale, and are caught up by the next worker within seconds', async () => {
    ({ pollId } = await createPoll(h.store));
    await openPoll(h.store, pollId);
    for (let i = 0; i < 10; i++) await castBallot(h.store, pollId);
    const first = worker();
    await until(async () => (await redisTotal()) === 10, 30_000);
    await first.kill();

    for (let i = 0; i < 50; i++) await castBallot(h.store, pollId);
    const dying = worker({ POLLSTER_FAULT_POINT: 'results.committed-before-redis' });
    const [, signal] = (await once(dying.child, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    // The crash left exactly the state to repair: the read model has every ballot, Redis does not.
    expect(await readModelTotal()).toBe(60);
    expect(await redisTotal()).toBe(10);

    expect(await served()).toBe(60); // the stale entry is refused, with no worker running

    const started = Date.now();
    worker();
    await until(async () => (await redisTotal()) === 60, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await store.read(pollId)).position).toBe(String((await currentResults({ sql: h.sql, store: h.store }, pollId))!.position));
    expect(await served()).toBe(60);
  }, 60_000);
});
