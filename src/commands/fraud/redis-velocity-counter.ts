import type { Redis, Result } from 'ioredis';
import type { VelocityCounter, VelocityInput, VelocityReading } from './velocity-counter.ts';

/**
 * The Redis adapter: one EVALSHA per ballot does the whole check atomically, so concurrent API
 * nodes agree on exactly which ballot is the 51st. Sorted sets (score = time, member = ballot id)
 * give an exact sliding window, not bucket approximations. Every key of one poll carries the
 * poll id as a hash tag, so the script also runs on Redis Cluster. Expiries are absolute, on the
 * API's clock (the same `now` as the window), so the adapters behave alike.
 *
 * KEYS: 1 prefix window, 2 fingerprint window, 3 challenge mark, 4 spent-solution marker.
 * ARGV: 1 now ms, 2 window ms, 3 member, 4 limit, 5 count fingerprint (0/1), 6 has solution (0/1),
 *       7 solution expiry (ms since epoch).
 * Returns {status, prefixCount, fingerprintCount, challenged}: status 0 counted, 1 challenge
 * required, 2 solution already used.
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
-- the mark holds its own expiry: compared on the API's clock, like the window
local marked = tonumber(redis.call('GET', KEYS[3]) or '0') > now
if marked then
  if ARGV[6] ~= '1' then return {1, 0, 0, 1} end
  if not redis.call('SET', KEYS[4], '1', 'NX', 'PXAT', ARGV[7]) then return {2, 0, 0, 1} end
end
local function slide(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIREAT', key, now + window)
  return redis.call('ZCARD', key)
end
local n = slide(KEYS[1])
local f = 0
if ARGV[5] == '1' then f = slide(KEYS[2]) end
if n > tonumber(ARGV[4]) then redis.call('SET', KEYS[3], now + window, 'PXAT', now + window) end
return {0, n, f, marked and 1 or 0}
`;

type Reply = [number, number, number, number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pollsterVelocity(k1: string, k2: string, k3: string, k4: string, ...args: string[]): Result<Reply, Context>;
  }
}

export class RedisVelocityCounter implements VelocityCounter {
  readonly #redis: Redis;
  readonly #prefix: string;

  /** `keyPrefix` isolates a deployment (or a test) sharing the Redis; empty in production. */
  constructor(redis: Redis, keyPrefix = '') {
    this.#redis = redis;
    this.#prefix = keyPrefix;
    // defineCommand sends EVALSHA and falls back to EVAL once after a SCRIPT FLUSH or restart;
    // defining it again on a shared client is harmless.
    redis.defineCommand('pollsterVelocity', { numberOfKeys: 4, lua: SCRIPT });
  }

  async record(input: VelocityInput): Promise<VelocityReading> {
    const base = `${this.#prefix}fraud:{${input.pollId}}`;
    const [status, prefixCount, fingerprintCount, challenged] = await this.#redis.pollsterVelocity(
      `${base}:ip:${input.prefix}`,
      `${base}:fp:${input.fingerprint ?? '-'}`,
      `${base}:challenge:${input.prefix}`,
      `${base}:used:${input.solution?.id ?? '-'}`,
      String(input.nowMs),
      String(input.windowMs),
      input.member,
      String(input.limit),
      input.fingerprint === null ? '0' : '1',
      input.solution === null ? '0' : '1',
      String(input.solution?.expiresAtMs ?? 0),
    );
    if (status === 1) return { kind: 'challenge-required' };
    if (status === 2) return { kind: 'challenge-reused' };
    return { kind: 'counted', prefixCount, fingerprintCount, challenged: challenged === 1 };
  }
}
