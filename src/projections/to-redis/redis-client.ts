import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { ProjectionLogger } from '../runner/runner.ts';

/**
 * The ioredis client for the results projection and the results cache. Redis holds only derived
 * data here, so every command fails fast rather than queueing while Redis is away: the fan-out
 * logs and moves on (the next change, or reconcile, catches up) and readers fall back to
 * PostgreSQL. Reconnects forever with ioredis' default backoff (exponential, at most 5 s).
 */
export async function connectRedis(url: string, logger: ProjectionLogger, options: { readyTimeoutMs?: number } = {}): Promise<Redis> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectionName: 'pollster',
  });
  let down = false;
  // Without an 'error' listener ioredis prints every failed reconnect attempt to stderr.
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error }, 'redis unavailable; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reconnected');
    down = false;
  });
  // Wait a moment for the first connection so startup work (reconcile) finds Redis; a Redis that
  // is down at start is not fatal: the client keeps trying, the API reads PostgreSQL meanwhile.
  const timeout = AbortSignal.timeout(options.readyTimeoutMs ?? 5_000);
  await once(redis, 'ready', { signal: timeout }).catch(() => logger.warn({ url: redact(url) }, 'redis not ready yet; continuing without it'));
  return redis;
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
