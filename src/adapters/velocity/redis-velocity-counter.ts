import type { Redis, Result } from 'ioredis';
import type { VelocityCounter, VelocityInput, VelocityReading } from './velocity-counter.ts';

/**
 * The Redis adapter: one EVALSHA per ballot does the whole check atomically, so concurrent API
 * nodes agree on exactly which voter is the 51st. Sorted sets (score = time, member = voter)
 * give an exact sliding window, not bucket approximations. Every key of one poll carries the
 * poll id as a hash tag, so the scripts also run on Redis Cluster. Expiries are absolute, on the
 * API's clock (the same `now` as the window), so the adapters behave alike.
 *
 * RECORD
 * KEYS: 1 prefix window, 2 fingerprint window, 3 challenge mark, 4 spent-solution marker,
 *       5 prefix held, 6 fingerprint held.
 * ARGV: 1 now ms, 2 window ms, 3 member, 4 limit, 5 count fingerprint (0/1), 6 has solution (0/1),
 *       7 solution expiry (ms since epoch).
 * Returns {status, prefixCount, fingerprintCount, challenged}: status 0 counted, 1 challenge
 * required, 2 solution already used.
 */
const RECORD = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
-- the mark holds its own expiry: compared on the API's clock, like the window
local marked = tonumber(redis.call('GET', KEYS[3]) or '0') > now
if marked then
  if ARGV[6] ~= '1' then return {1, 0, 0, 1} end
  if not redis.call('SET', KEYS[4], '1', 'NX', 'PXAT', ARGV[7]) then return {2, 0, 0, 1} end
end
-- A voter already in the window is not counted again; the attempt notes, under the time of the
-- entry it found, that it relied on it, so that a refused attempt which added it keeps it.
local function slide(key, held)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local seen = redis.call('ZSCORE', key, member)
  local added = 0
  if seen then
    redis.call('ZREMRANGEBYSCORE', held, '-inf', now - window)
    redis.call('ZADD', held, seen, member)
    redis.call('PEXPIREAT', held, now + window)
  else
    redis.call('ZADD', key, now, member)
    added = 1
  end
  redis.call('PEXPIREAT', key, now + window)
  return redis.call('ZCARD', key), added
end
local n, added = slide(KEYS[1], KEYS[5])
local f = 0
if ARGV[5] == '1' then f = slide(KEYS[2], KEYS[6]) end
-- Re-marked by every newly counted voter past the limit: the mark lasts one window after the
-- burst ends; a voter's repeats do not prolong it.
if added == 1 and n > tonumber(ARGV[4]) then redis.call('SET', KEYS[3], now + window, 'PXAT', now + window) end
return {0, n, f, marked and 1 or 0}
`;

/**
 * RELEASE (an attempt refused as a duplicate)
 * KEYS: 1 prefix window, 2 prefix held, 3 fingerprint window, 4 fingerprint held.
 * ARGV: 1 member, 2 the attempt's now ms, 3 fingerprint counted (0/1).
 */
const RELEASE = `
local member = ARGV[1]
local at = tonumber(ARGV[2])
local function release(key, held)
  -- someone else's entry (an earlier ballot of this voter, or one added after this slid out)
  if tonumber(redis.call('ZSCORE', key, member) or '-1') ~= at then return end
  -- another attempt of the voter counted on this entry: it may be the accepted ballot
  if tonumber(redis.call('ZSCORE', held, member) or '-1') == at then return end
  redis.call('ZREM', key, member)
end
release(KEYS[1], KEYS[2])
if ARGV[3] == '1' then release(KEYS[3], KEYS[4]) end
return 0
`;

type Reply = [number, number, number, number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pollsterVelocity(...keysAndArgs: string[]): Result<Reply, Context>;
    pollsterVelocityRelease(...keysAndArgs: string[]): Result<number, Context>;
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
    // defining it again on a shared client is harmless. A new script body gets a new SHA, so
    // nodes of an older release keep running theirs during a rolling deploy.
    redis.defineCommand('pollsterVelocity', { numberOfKeys: 6, lua: RECORD });
    redis.defineCommand('pollsterVelocityRelease', { numberOfKeys: 4, lua: RELEASE });
  }

  async record(input: VelocityInput): Promise<VelocityReading> {
    const keys = this.#keys(input);
    const [status, prefixCount, fingerprintCount, challenged] = await this.#redis.pollsterVelocity(
      keys.prefix,
      keys.fingerprint,
      `${keys.base}:challenge:${input.prefix}`,
      `${keys.base}:used:${input.solution?.id ?? '-'}`,
      `${keys.prefix}:held`,
      `${keys.fingerprint}:held`,
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

  async release(input: VelocityInput): Promise<void> {
    const keys = this.#keys(input);
    await this.#redis.pollsterVelocityRelease(
      keys.prefix,
      `${keys.prefix}:held`,
      keys.fingerprint,
      `${keys.fingerprint}:held`,
      input.member,
      String(input.nowMs),
      input.fingerprint === null ? '0' : '1',
    );
  }

  #keys(input: VelocityInput) {
    const base = `${this.#prefix}fraud:{${input.pollId}}`;
    return { base, prefix: `${base}:ip:${input.prefix}`, fingerprint: `${base}:fp:${input.fingerprint ?? '-'}` };
  }
}
