import { buildApp, type HttpSettings } from '../api/app.ts';
import { liveSettingsFrom } from '../api/live/settings.ts';
import { assertPortFree, listen } from '../api/server.ts';
import type { Config } from '../config.ts';
import { startWorker } from '../worker/start-worker.ts';
import { openRuntime } from './open-runtime.ts';
import { exitGracefully } from './graceful-exit.ts';
import { logFormat } from './logger.ts';
import { usesWorkerThread, WorkerThread } from './worker-thread.ts';

export function httpSettings(config: Config): HttpSettings {
  const proxy = config.TRUST_PROXY;
  return {
    accessTokenSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: proxy === undefined ? false : proxy === 'true' ? true : proxy.split(',').map((p) => p.trim()),
    corsOrigins: config.CORS_ORIGINS ? config.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    ballotsPerMinute: config.RATE_LIMIT_BALLOTS_PER_MINUTE,
    authPerMinute: config.RATE_LIMIT_AUTH_PER_MINUTE,
    joinPerMinute: config.RATE_LIMIT_JOIN_PER_MINUTE,
    proofsPerMinute: config.RATE_LIMIT_PROOFS_PER_MINUTE,
    serveLastPerSecond: config.SERVE_LAST_PER_SECOND,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}

/**
 * `pollster start` (`npm start`): API, live edge, projections and background jobs in one
 * process. The projections run unpartitioned here; `pollster worker` splits them over processes.
 * With WORKER_THREAD (on by default where NATS carries the live results) the projections and
 * jobs run on a worker thread (worker-thread.ts) and the event loop serves the API alone.
 */
export async function startProcess(config: Config): Promise<void> {
  await assertPortFree(config.HOST, config.PORT);
  const thread = usesWorkerThread(config)
    ? // As after any uncaught error: graceful-exit.ts shuts the process down and it exits 1.
      new WorkerThread({ onDeath: (error) => setImmediate(() => { throw error; }) })
    : undefined;
  const runtime = await openRuntime(config, {
    runProjections: !thread,
    sandboxRegistry: true,
    ...(thread ? { projectionsElsewhere: thread } : {}),
  });
  const { logger, services, live } = runtime;
  // On the thread, runtime.close() stops the worker half (services.projections), before the
  // stores and the database it uses; on the event loop, it is stopped here first.
  let stopOnLoop: (() => Promise<void>) | undefined;
  if (thread) {
    await thread.start({ databaseUrl: services.databaseUrl, logFormat: logFormat(config) }).catch(async (error: unknown) => {
      await runtime.close();
      throw error;
    });
    logger.info('projections and background jobs run on a worker thread');
  } else {
    const redisKeeper = live.keepRedisReconciled(services.sql);
    const jobs = startWorker({ services, config, logger, runProjections: false });
    stopOnLoop = async () => {
      await jobs.stop();
      redisKeeper.stop();
    };
  }
  const app = await buildApp({
    logger,
    services,
    http: httpSettings(config),
    live: { bus: live.bus, settings: liveSettingsFrom(config) },
    ...(live.redis ? { redis: live.redis } : {}),
    healthChecks: runtime.healthChecks,
  });
  await listen(app, {
    host: config.HOST,
    port: config.PORT,
    exitGracefully,
    onShutdown: async () => {
      await stopOnLoop?.();
      await runtime.close();
    },
  });
}
