import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The one write of a poll's results to Redis: counts hash, JSON body and position replaced
 * together, atomically, and only when the guard passes, so a replay, a duplicate delivery or a
 * slower concurrent writer never double-counts or moves a poll backwards. The counts are written
 * whole (not incremented): they are copied from the read model, which already applied the
 * counting rules, so applying the same position twice is harmless by construction.
 *
 * KEYS: counts, results, position. ARGV: position, mode, results JSON, then field/value pairs.
 * Modes: `newer` (live fan-out: only a strictly greater position), `repair` (reconcile: the same
 * position too, to fix counts that differ), `force` (reconcile: Redis is ahead of the read model
 * it derives from, i.e. left over from another database).
 */
export type ApplyMode = 'newer' | 'repair' | 'force';

const LUA = `
local incoming = tonumber(ARGV[1])
local stored = tonumber(redis.call('GET', KEYS[3]))
if stored ~= nil then
  if ARGV[2] == 'newer' and stored >= incoming then return 0 end
  if ARGV[2] == 'repair' and stored > incoming then return 0 end
end
redis.call('DEL', KEYS[1])
-- HSET in slices: unpack() of thousands of values would overflow Lua's C stack.
for i = 4, #ARGV, 1000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[1])
return 1
`;

const SHA = createHash('sha1').update(LUA).digest('hex');

/** Runs the script by its hash, loading it on NOSCRIPT (a restarted or new Redis). Resolves true if it wrote. */
export async function runApplyScript(redis: Redis, keys: [string, string, string], args: string[]): Promise<boolean> {
  try {
    return (await redis.evalsha(SHA, 3, ...keys, ...args)) === 1;
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return (await redis.eval(LUA, 3, ...keys, ...args)) === 1;
  }
}

/**
 * Runs the script for many polls in one round trip (a pipeline of EVALSHA), re-running by EVAL
 * any that met NOSCRIPT. One outcome per call, in order: true if it wrote, false if the guard
 * refused, or the error of that call alone.
 */
export async function runApplyScripts(redis: Redis, calls: ReadonlyArray<{ keys: [string, string, string]; args: string[] }>): Promise<Array<boolean | Error>> {
  if (calls.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const { keys, args } of calls) pipeline.evalsha(SHA, 3, ...keys, ...args);
  const replies = (await pipeline.exec()) ?? calls.map(() => [new Error('pipeline aborted'), null] as [Error, null]);
  return Promise.all(
    replies.map(async ([error, reply], i) => {
      if (!error) return reply === 1;
      if (!error.message.startsWith('NOSCRIPT')) return error;
      const { keys, args } = calls[i]!;
      return redis.eval(LUA, 3, ...keys, ...args).then((r) => r === 1, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    }),
  );
}
