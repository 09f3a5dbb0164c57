import { buildApp } from '../api/app.ts';
import { buildEdgeApp } from '../api/live/edge-app.ts';
import { liveSettingsFrom } from '../api/live/settings.ts';
import { assertPortFree, listen } from '../api/server.ts';
import type { Config } from '../config.ts';
import { exitGracefully } from './graceful-exit.ts';
import { openRuntime } from './open-runtime.ts';
import { httpSettings } from './process.ts';

/**
 * `pollster serve`: a stateless HTTP node, API and live edge (or, with `edgeOnly`, the live edge
 * alone). It runs no projections: `pollster worker` does, and publishes the live results to
 * NATS, which every serving node follows.
 */
export async function startServe(config: Config, options: { edgeOnly: boolean }): Promise<void> {
  await assertPortFree(config.HOST, config.PORT);
  const runtime = await openRuntime(config, {
    runProjections: false,
    sandboxRegistry: !options.edgeOnly,
    ...(options.edgeOnly ? { sqlPoolSize: Math.min(config.DATABASE_POOL_SIZE, 4) } : {}),
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
