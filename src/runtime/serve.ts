import { buildApp } from '../api/app.ts';
import { buildEdgeApp } from '../api/live/edge-app.ts';
import { liveSettingsFrom } from '../api/live/settings.ts';
import { assertPortFree, listen } from '../api/server.ts';
import type { Config } from '../config.ts';
import { exitGracefully } from './graceful-exit.ts';
import { openRuntime } from './open-runtime.ts';
import { httpSettings } from './process.ts';

/**
 * After a command, the API waits at most this long for the workers' read models to show it
 * (src/projections/runner/checkpoint-wait.ts): a worker polls the log every 50 ms and lets 45 ms
 * of events gather, so this is many batches; past it the command answers anyway.
 */
const WORKERS_WAIT_MS = 2_000;

/**
 * `pollster serve`: a stateless HTTP node, API and live edge (or, with `edgeOnly`, the live edge
 * alone). It runs no projections: `pollster worker` does, and publishes the live results to
 * NATS, which every serving node follows. After a command it waits for the workers' checkpoints,
 * so a client reads its own writes as from `pollster start`.
 */
export async function startServe(config: Config, options: { edgeOnly: boolean }): Promise<void> {
  await assertPortFree(config.HOST, config.PORT);
  const runtime = await openRuntime(config, {
    runProjections: false,
    sandboxRegistry: !options.edgeOnly,
    ...(options.edgeOnly ? { sqlPoolSize: Math.min(config.DATABASE_POOL_SIZE, 4) } : { workersWaitMs: WORKERS_WAIT_MS }),
  });
  const { logger, services, live } = runtime;
  if (!config.NATS_URL) {
    logger.warn('NATS_URL not set: no worker can reach this node; live results follow the read model every LIVE_RESYNC_MS');
  }
  const deps = {
    logger,
    services,
    http: httpSettings(config),
    live: { bus: live.bus, settings: liveSettingsFrom(config) },
    healthChecks: runtime.healthChecks,
  };
  const app = options.edgeOnly ? await buildEdgeApp(deps) : await buildApp({ ...deps, ...(live.redis ? { redis: live.redis } : {}) });
  logger.info({ edgeOnly: options.edgeOnly, bus: config.NATS_URL ? 'nats' : 'in-process' }, 'serving');
  await listen(app, { host: config.HOST, port: config.PORT, onShutdown: () => runtime.close(), exitGracefully });
}
