import type { Redis } from 'ioredis';
import pino from 'pino';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import { POSTGRES_PROJECTIONS, RESULTS, type PostgresProjection, type ProjectionLogger } from '../projections/index.ts';
import { InProcessLiveBus } from '../projections/to-nats/in-process-live-bus.ts';
import type { LiveBus } from '../projections/to-nats/live-bus.ts';
import { type ResultsFanOutOptions, withResultsFanOut } from '../projections/to-nats/results-fan-out.ts';
import { keepRedisReconciled, type RedisKeeper } from '../projections/to-redis/reconcile.ts';
import { RedisResultsCache, type ResultsCache } from '../projections/to-redis/results-cache.ts';
import { RedisResultsStore } from '../projections/to-redis/results-store.ts';

/** Without NATS_URL the bus is in-process; without REDIS_URL there is no Redis and the API reads PostgreSQL. */
export interface LiveInfrastructure {
  bus: LiveBus;
  redis?: Redis;
  resultsStore?: RedisResultsStore;
  resultsCache?: ResultsCache;
  /** POSTGRES_PROJECTIONS with the live fan-out attached to `results`. */
  projections: readonly PostgresProjection[];
  /**
   * Where this process runs projections (worker, single-process start): bring Redis up to the
   * read model now, at every reconnect and whenever `check` is called (a partition taken over);
   * a no-op without Redis.
   */
  keepRedisReconciled(sql: DatabasePool): RedisKeeper;
  close(): Promise<void>;
}

export interface LiveOptions {
  logger?: ProjectionLogger;
  /** Prefix of every Redis key (tests; a deployment sharing a Redis). */
  redisKeyPrefix?: string;
}

export async function createLiveInfrastructure(
  config: Pick<Config, 'REDIS_URL' | 'NATS_URL'>,
  options: LiveOptions = {},
): Promise<LiveInfrastructure> {
  const logger = options.logger ?? pino({ level: 'silent' });
  // The NATS and Redis clients load only where configured: a few hundred milliseconds of every
  // start (a worker restarting after a crash) that the embedded mode and tests never use.
  const bus: LiveBus = config.NATS_URL
    ? await (await import('../projections/to-nats/nats-live-bus.ts')).NatsLiveBus.connect(config.NATS_URL, logger)
    : new InProcessLiveBus({ onError: (error) => logger.warn({ err: error }, 'live subscriber failed') });
  const redis = config.REDIS_URL ? await (await import('../projections/to-redis/redis-client.ts')).connectRedis(config.REDIS_URL, logger) : undefined;
  const keyPrefix = options.redisKeyPrefix === undefined ? {} : { keyPrefix: options.redisKeyPrefix };
  const resultsStore = redis ? new RedisResultsStore(redis, keyPrefix) : undefined;
  const stops: Array<() => void> = [];
  return {
    bus,
    ...(redis && resultsStore ? { redis, resultsStore, resultsCache: new RedisResultsCache(resultsStore, logger) } : {}),
    projections: liveProjections({ bus, ...(resultsStore ? { redis: resultsStore } : {}) }),
    keepRedisReconciled(sql) {
      if (!redis) return { stop: () => {}, check: () => {} };
      const keeper = keepRedisReconciled({ sql, redis, logger, ...keyPrefix, ...(resultsStore ? { store: resultsStore } : {}) });
      stops.push(keeper.stop);
      return keeper;
    },
    async close() {
      for (const stop of stops) stop();
      await bus.close();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/** The projections a process runs, `results` with the fan-out to `bus` (and Redis). Tests use it directly. */
export function liveProjections(options: ResultsFanOutOptions, projections = POSTGRES_PROJECTIONS): readonly PostgresProjection[] {
  return projections.map((p) => (p.name === RESULTS ? withResultsFanOut(p, options) : p));
}
