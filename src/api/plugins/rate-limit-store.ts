import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Redis, Result } from 'ioredis';
import { TurnQueue } from '../../adapters/turn-queue.ts';

/**
 * @fastify/rate-limit's Redis store, with the counts asked during one turn of the event loop sent
 * as ONE script call (as the velocity checks and group commit batch theirs). The library's own
 * store makes a script call per request: with the ballot limit on at its default, that was one
 * more Redis round trip per ballot, 6-7% of the ingest throughput. The script does, per key and in
 * asking order, exactly what the library's does: INCR, set the expiry on the first count (or again
 * on every count past `max` when `continueExceeding`), else report the remaining PTTL.
 *
 * On Redis Cluster a script's keys must share a slot and these keys are per client address, so
 * there each count is a call of its own.
 */
const INCR_BATCH = `
local out = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[3 * i - 2])
  local max = tonumber(ARGV[3 * i - 1])
  local continueExceeding = ARGV[3 * i] == '1'
  local current = redis.call('INCR', KEYS[i])
  if current == 1 or (continueExceeding and current > max) then
    redis.call('PEXPIRE', KEYS[i], window)
  else
    window = redis.call('PTTL', KEYS[i])
  end
  out[#out + 1] = current
  out[#out + 1] = window
end
return out
`;

const READ = `
local current = redis.call('GET', KEYS[1])
if not current then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(current), ttl}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pollsterRateLimitBatch(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
    pollsterRateLimitRead(key: string): Result<[number, number], Context>;
  }
}

type Answer = (error: Error | null, result?: { current: number; ttl: number }) => void;
type Count = { key: string; window: number; max: number; continueExceeding: boolean };

/** Counts per script call at most: a long script blocks Redis for everyone meanwhile. */
const MAX_BATCH = 256;

/** The turn's counts, shared by a store and its per-route children. */
class TurnCounts {
  readonly #redis: Redis;
  /** On Redis Cluster each count is a call of its own: its key is in a slot of its own. */
  readonly #queue: TurnQueue<Count, { current: number; ttl: number }>;

  constructor(redis: Redis) {
    this.#redis = redis;
    redis.defineCommand('pollsterRateLimitBatch', { lua: INCR_BATCH });
    redis.defineCommand('pollsterRateLimitRead', { numberOfKeys: 1, lua: READ });
    this.#queue = new TurnQueue((counts) => this.#send(counts), { maxBatch: redis.isCluster ? 1 : MAX_BATCH });
  }

  incr(count: Count, answer: Answer): void {
    this.#queue.push(count).then((result) => answer(null, result), (error: Error) => answer(error));
  }

  read(key: string, answer: Answer): void {
    this.#redis.pollsterRateLimitRead(key).then(([current, ttl]) => answer(null, { current, ttl }), (error: Error) => answer(error));
  }

  async #send(counts: readonly Count[]): Promise<Array<{ current: number; ttl: number }>> {
    const args = counts.flatMap((c) => [c.window, c.max, c.continueExceeding ? '1' : '0']);
    const reply = await this.#redis.pollsterRateLimitBatch(counts.length, ...counts.map((c) => c.key), ...args);
    return counts.map((_, i) => ({ current: reply[2 * i]!, ttl: reply[2 * i + 1]! }));
  }
}

/** What the library passes to a store and its children (its types name route options; it sends its merged limiter settings). */
interface StoreParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  routeInfo: { method: string; url: string };
}

/**
 * The store class @fastify/rate-limit constructs (`store` option), bound to `redis` and a key
 * namespace. Exponential backoff is not supported (no Pollster limit uses it).
 */
export function batchedRedisStore(redis: Redis, nameSpace: string) {
  const batch = new TurnCounts(redis);
  class BatchedRedisStore implements FastifyRateLimitStore {
    readonly #key: string;
    readonly #continueExceeding: boolean;

    constructor(options: FastifyRateLimitOptions | StoreParams, key = nameSpace) {
      const params = options as Partial<StoreParams>;
      if (params.exponentialBackoff) throw new Error('the batched rate-limit store does not do exponential backoff');
      this.#key = key;
      this.#continueExceeding = params.continueExceeding === true;
    }

    incr(id: string, answer: Answer, timeWindow: number, max: number): void {
      batch.incr({ key: this.#key + id, window: timeWindow, max, continueExceeding: this.#continueExceeding }, answer);
    }

    read(id: string, answer: Answer): void {
      batch.read(this.#key + id, answer);
    }

    /** Each route counts under its own prefix, as the library's store does. */
    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): BatchedRedisStore {
      const params = routeOptions as unknown as StoreParams;
      return new BatchedRedisStore(params, `${this.#key}${params.routeInfo.method}${params.routeInfo.url}-`);
    }
  }
  return BatchedRedisStore;
}
