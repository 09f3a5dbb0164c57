import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
// @ts-expect-error the library ships no types for its own store's module: compared with, never used by the server
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, expect, it, vi } from 'vitest';
import { batchedRedisStore } from '../../src/api/plugins/rate-limit-store.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * The rate limiter's Redis store that counts a turn of the event loop in one script call: the
 * same counts as the library's own store, and a limit that holds across API nodes.
 */
const redis = new Redis(serviceUrls.redis, { maxRetriesPerRequest: 1 });
const nameSpace = `test:ratelimit:${randomUUID()}:`;
const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
  const keys = await redis.keys(`${nameSpace}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

type Count = { current: number; ttl: number };
const counted = (store: { incr: (key: string, cb: (error: Error | null, result?: Count) => void, window: number, max: number) => void }, key: string, window: number, max: number) =>
  new Promise<Count>((resolve, reject) => store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), window, max));

it('the counts asked in one turn make one Redis call, and each is what the library\'s own store answers, in asking order', async () => {
  const Batched = batchedRedisStore(redis, `${nameSpace}batched:`);
  const batched = new Batched({});
  const library = new RedisStore(false, false, redis, `${nameSpace}library:`);
  const keys = ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.1', '10.0.0.2'];
  await counted(batched, 'warm-up', 1_000, 3); // the script is loaded before the call is counted
  const sent = vi.spyOn(redis, 'sendCommand');
  const ours = await Promise.all(keys.map((key) => counted(batched, key, 60_000, 3)));
  expect(sent).toHaveBeenCalledTimes(1);
  sent.mockRestore();
  const theirs = [];
  for (const key of keys) theirs.push(await counted(library, key, 60_000, 3));
  expect(ours.map((c) => c.current)).toEqual([1, 2, 1, 3, 4, 2]);
  expect(ours.map((c) => c.current)).toEqual(theirs.map((c) => c.current));
  for (const [i, count] of ours.entries()) expect(Math.abs(count.ttl - theirs[i]!.ttl)).toBeLessThan(1_000);
});

async function node(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rateLimit, { global: false, store: batchedRedisStore(redis, `${nameSpace}nodes:`) });
  app.get('/ballot', { config: { rateLimit: { max: 3, timeWindow: 60_000 } } }, async () => ({ ok: true }));
  await app.ready();
  apps.push(app);
  return app;
}

it('an address that spreads its requests over two API nodes is still held to one limit; other addresses are not', async () => {
  const [a, b] = [await node(), await node()];
  const from = (app: FastifyInstance, remoteAddress: string) => app.inject({ method: 'GET', url: '/ballot', remoteAddress }).then((r) => r.statusCode);
  const statuses = [];
  for (const app of [a, b, a, b, a]) statuses.push(await from(app, '203.0.113.9'));
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
  expect(await Promise.all([from(a, '198.51.100.1'), from(b, '198.51.100.2')])).toEqual([200, 200]);
});
