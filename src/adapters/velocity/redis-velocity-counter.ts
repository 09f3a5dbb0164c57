import type { Redis, Result } from 'ioredis';
import { TurnQueue } from '../turn-queue.ts';
import type { VelocityCounter, VelocityInput, VelocityReading } from './velocity-counter.ts';

/**
 * The Redis adapter: an atomic script does the whole check, so concurrent API nodes agree on
 * exactly which voter is the 51st. Sorted sets (score = time, member = voter) give an exact
 * sliding window, not bucket approximations. Every key of one poll carries the poll id as a hash
 * tag, so the scripts also run on Redis Cluster. Expiries are absolute, on the API's clock (the
 * same `now` as the window), so the adapters behave alike.
 *
 * The checks asked during one turn of the event loop go to Redis as ONE script call (as group
 * commit batches appends): the script runs them one after the other in the order they were
 * asked, which is the order their separate calls would have run in, and answers each its own.
 * On a socket write that costs 85-140 µs, that is the ballot path's Redis cost divided by the
 * batch. (ioredis's auto-pipelining saves writes, not Redis's work per call, and made no
 * measurable difference.) On Redis Cluster one call holds one poll's checks (one hash slot).
 *
 * RECORD_BATCH: per check i (0-based), 6 keys from KEYS[6i+1] and 7 arguments from ARGV[7i+1]:
 * KEYS: 1 prefix window, 2 fingerprint window, 3 challenge mark, 4 spent-solution marker,
 *       5 prefix held, 6 fingerprint held.
 * ARGV: 1 now ms, 2 window ms, 3 member, 4 limit, 5 count fingerprint (0/1), 6 has solution (0/1),
 *       7 solution expiry (ms since epoch).
 * Returns, per check, {status, prefixCount, fingerprintCount, challenged} flattened: status 0
 * counted, 1 challenge required (the second number is then the mark's expiry), 2 solution already
 * used.
 */
const RECORD_BATCH = `
local function record(k, a)
  local now = tonumber(ARGV[a + 1])
  local window = tonumber(ARGV[a + 2])
  local member = ARGV[a + 3]
  -- the mark holds its own expiry: compared on the API's clock, like the window
  local mark = tonumber(redis.call('GET', KEYS[k + 3]) or '0')
  local marked = mark > now
  if marked then
    if ARGV[a + 6] ~= '1' then return 1, mark, 0, 1 end
    if not redis.call('SET', KEYS[k + 4], '1', 'NX', 'PXAT', ARGV[a + 7]) then return 2, 0, 0, 1 end
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
  local n, added = slide(KEYS[k + 1], KEYS[k + 5])
  local f = 0
  if ARGV[a + 5] == '1' then f = slide(KEYS[k + 2], KEYS[k + 6]) end
  -- Re-marked by every newly counted voter past the limit: the mark lasts one window after the
  -- burst ends; a voter's repeats do not prolong it.
  if added == 1 and n > tonumber(ARGV[a + 4]) then redis.call('SET', KEYS[k + 3], now + window, 'PXAT', now + window) end
  return 0, n, f, marked and 1 or 0
end
local out = {}
for i = 0, #KEYS / 6 - 1 do
  local status, n, f, c = record(i * 6, i * 7)
  out[#out + 1] = status
  out[#out + 1] = n
  out[#out + 1] = f
  out[#out + 1] = c
end
return out
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** numkeys first: the batch's size sets it. */
    pollsterVelocityBatch(numKeys: number, ...keysAndArgs: string[]): Result<number[], Context>;
    pollsterVelocityRelease(...keysAndArgs: string[]): Result<number, Context>;
  }
}

/** Checks per script call at most: a long script blocks Redis for everyone meanwhile. */
const MAX_BATCH = 256;

/** Marks remembered at most; past it, expired ones go first, then the oldest. */
const MAX_MARKS = 10_000;

export class RedisVelocityCounter implements VelocityCounter {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** On Redis Cluster one call per poll's checks, since a script's keys must share a slot. */
  readonly #checks = new TurnQueue<VelocityInput, VelocityReading>((inputs) => this.#send(inputs), {
    maxBatch: MAX_BATCH,
    groupOf: (input) => (this.#redis.isCluster ? input.pollId : ''),
  });
  /**
   * Challenge marks this node has read, by poll and prefix: their expiry. A mark is never taken
   * back before it expires (voters with solutions only push it further out), so until then every
   * check without a solution from that prefix is refused, and the answer needs no Redis at all.
   * A flood from one network then costs Redis one call per window, not one per ballot, and does
   * not lengthen the honest voters' script calls. Only refusals are answered from here: whatever
   * could be counted still goes to Redis.
   */
  readonly #marks = new Map<string, number>();

  /** `keyPrefix` isolates a deployment (or a test) sharing the Redis; empty in production. */
  constructor(redis: Redis, keyPrefix = '') {
    this.#redis = redis;
    this.#prefix = keyPrefix;
    // defineCommand sends EVALSHA and falls back to EVAL once after a SCRIPT FLUSH or restart;
    // defining it again on a shared client is harmless. A new script body gets a new SHA, so
    // nodes of an older release keep running theirs during a rolling deploy.
    redis.defineCommand('pollsterVelocityBatch', { lua: RECORD_BATCH });
    redis.defineCommand('pollsterVelocityRelease', { numberOfKeys: 4, lua: RELEASE });
  }

  /** Joins this turn's batch (src/adapters/turn-queue.ts). */
  record(input: VelocityInput): Promise<VelocityReading> {
    if (input.solution === null && this.knowsMarked(input.pollId, input.prefix, input.nowMs)) return Promise.resolve(CHALLENGE_REQUIRED);
    return this.#checks.push(input);
  }

  async #send(inputs: readonly VelocityInput[]): Promise<VelocityReading[]> {
    const keys: string[] = [];
    const args: string[] = [];
    for (const input of inputs) {
      const k = this.#keys(input);
      keys.push(k.prefix, k.fingerprint, `${k.base}:challenge:${input.prefix}`, `${k.base}:used:${input.solution?.id ?? '-'}`, `${k.prefix}:held`, `${k.fingerprint}:held`);
      args.push(
        String(input.nowMs),
        String(input.windowMs),
        input.member,
        String(input.limit),
        input.fingerprint === null ? '0' : '1',
        input.solution === null ? '0' : '1',
        String(input.solution?.expiresAtMs ?? 0),
      );
    }
    const reply = await this.#redis.pollsterVelocityBatch(keys.length, ...keys, ...args);
    return inputs.map((input, i) => {
      const answer = reply.slice(i * 4, i * 4 + 4) as [number, number, number, number];
      if (answer[0] === 1) this.#remember(markKey(input), answer[1], input.nowMs);
      return reading(answer);
    });
  }

  knowsMarked(pollId: string, prefix: string, nowMs: number): boolean {
    return (this.#marks.get(markKey({ pollId, prefix })) ?? 0) > nowMs;
  }

  #remember(key: string, expiresAtMs: number, nowMs: number): void {
    if (this.#marks.size >= MAX_MARKS && !this.#marks.has(key)) {
      for (const [k, expiry] of this.#marks) if (expiry <= nowMs) this.#marks.delete(k);
      if (this.#marks.size >= MAX_MARKS) this.#marks.delete(this.#marks.keys().next().value!);
    }
    this.#marks.set(key, expiresAtMs);
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

const CHALLENGE_REQUIRED: VelocityReading = Object.freeze({ kind: 'challenge-required' });
const markKey = (input: Pick<VelocityInput, 'pollId' | 'prefix'>): string => `${input.pollId} ${input.prefix}`;

function reading([status, prefixCount, fingerprintCount, challenged]: [number, number, number, number]): VelocityReading {
  if (status === 1) return CHALLENGE_REQUIRED;
  if (status === 2) return { kind: 'challenge-reused' };
  return { kind: 'counted', prefixCount, fingerprintCount, challenged: challenged === 1 };
}
