import type { Redis } from 'ioredis';
import type { PollResults } from '../../domain/results/results.ts';
import { type ApplyMode, runApplyScript, runApplyScripts } from './apply-script.ts';
import { type EncodedResults, encodeResults, fromBody, type ResultsBody } from './encode.ts';
import { type ResultsKeys, resultsKeys } from './keys.ts';

/** What Redis holds for one poll, raw, for reconcile to compare with the read model. */
export interface StoredResults {
  position: string | null;
  counts: Record<string, string>;
  json: string | null;
}

/**
 * The Redis side of the results projection: per-poll counters, body and position (keys.ts),
 * written only through the guarded Lua script. Derived entirely from the `results` read model;
 * losing it loses nothing (reconcile rewrites it, reads fall back to PostgreSQL meanwhile).
 */
export class RedisResultsStore {
  readonly redis: Redis;
  readonly keys: ResultsKeys;
  /**
   * Set when a write failed or was skipped because Redis was away: some polls may now be stale
   * there, so `keepRedisReconciled` runs a full reconcile at the next reconnect and clears it.
   */
  missedWrites = false;

  constructor(redis: Redis, options: { keyPrefix?: string } = {}) {
    this.redis = redis;
    this.keys = resultsKeys(options.keyPrefix);
  }

  /** Writes the poll's results if the guard of `mode` passes; true if it wrote. */
  async apply(results: PollResults | EncodedResults, mode: ApplyMode = 'newer'): Promise<boolean> {
    const encoded = 'json' in results ? results : encodeResults(results);
    const { pollId } = encoded;
    const pairs = Object.entries(encoded.counts).flat();
    try {
      return await runApplyScript(
        this.redis,
        [this.keys.counts(pollId), this.keys.results(pollId), this.keys.position(pollId)],
        [encoded.position, mode, encoded.json, ...pairs],
      );
    } catch (error) {
      this.missedWrites = true;
      throw error;
    }
  }

  /**
   * `apply` for many polls in one Redis round trip (what a projection batch touched): per poll,
   * true if it wrote, false if the guard refused, or that poll's error.
   */
  async applyMany(many: ReadonlyArray<PollResults | EncodedResults>, mode: ApplyMode = 'newer'): Promise<Array<boolean | Error>> {
    const calls = many.map((results) => {
      const encoded = 'json' in results ? results : encodeResults(results);
      const { pollId } = encoded;
      return {
        keys: [this.keys.counts(pollId), this.keys.results(pollId), this.keys.position(pollId)] as [string, string, string],
        args: [encoded.position, mode, encoded.json, ...Object.entries(encoded.counts).flat()],
      };
    });
    let outcomes: Array<boolean | Error>;
    try {
      outcomes = await runApplyScripts(this.redis, calls);
    } catch (error) {
      outcomes = calls.map(() => (error instanceof Error ? error : new Error(String(error))));
    }
    if (outcomes.some((o) => o instanceof Error)) this.missedWrites = true;
    return outcomes;
  }

  /** False while the client is not connected (writes would fail at once; see redis-client.ts). */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /** The cached getResults body, or null when Redis has none for the poll. */
  async results(pollId: string): Promise<PollResults | null> {
    const json = await this.redis.get(this.keys.results(pollId));
    return json === null ? null : fromBody(JSON.parse(json) as ResultsBody);
  }

  async read(pollId: string): Promise<StoredResults> {
    // One MULTI: the three keys as of one moment (the script writes them atomically).
    const replies = await this.redis
      .multi()
      .get(this.keys.position(pollId))
      .hgetall(this.keys.counts(pollId))
      .get(this.keys.results(pollId))
      .exec();
    const value = (i: number): unknown => {
      const [error, reply] = replies?.[i] ?? [new Error('MULTI aborted'), null];
      if (error) throw error;
      return reply;
    };
    return {
      position: value(0) as string | null,
      counts: value(1) as Record<string, string>,
      json: value(2) as string | null,
    };
  }

  /** Drops the poll's keys (tests simulate data loss with it; an operator may too). */
  async delete(pollId: string): Promise<void> {
    await this.redis.del(this.keys.counts(pollId), this.keys.results(pollId), this.keys.position(pollId));
  }

  async isSeeded(): Promise<boolean> {
    return (await this.redis.exists(this.keys.seeded())) === 1;
  }

  async markSeeded(): Promise<void> {
    await this.redis.set(this.keys.seeded(), new Date().toISOString());
  }
}
