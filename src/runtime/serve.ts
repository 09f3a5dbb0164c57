import { sql } from 'slonik';
import { buildApp } from '../api/app.ts';
import { buildEdgeApp } from '../api/live/edge-app.ts';
import { liveSettingsFrom } from '../api/live/settings.ts';
import { listen } from '../api/server.ts';
import { startRegistrySandbox } from '../commands/identity/national-registry/sandbox/index.ts';
import type { Config } from '../config.ts';
import { openDatabase } from './database.ts';
import { openEventStore } from './event-store.ts';
import { createLiveInfrastructure } from './live.ts';
import { createLogger } from './logger.ts';
import { httpSettings } from './process.ts';
import { createServices } from './services.ts';

/** A registry URL the edge never calls: it verifies no national ids, but the services carry a client. */
const NO_REGISTRY = 'http://127.0.0.1:9';

/**
 * `pollster serve`: a stateless HTTP node, API and live edge (or, with `edgeOnly`, the live edge
 * alone). It runs no projections: `pollster worker` does, and publishes the live results to
 * NATS, which every serving node follows.
 */
export async function startServe(config: Config, options: { edgeOnly: boolean }): Promise<void> {
  const logger = createLogger(config);
  const database = await openDatabase(config, logger);
  const store = openEventStore(config, database.url);
  const live = await createLiveInfrastructure(config, { logger: logger.child({ component: 'live' }) });
  if (!config.NATS_URL) {
    logger.warn('NATS_URL not set: no worker can reach this node; live results follow the read model every LIVE_RESYNC_MS');
  }
  const sandbox = options.edgeOnly || config.REGISTRY_URL ? undefined : await startRegistrySandbox();
  const services = await createServices({
    store,
    databaseUrl: database.url,
    registryUrl: config.REGISTRY_URL ?? sandbox?.url ?? NO_REGISTRY,
    ...(config.JWT_SECRET ? { jwtSecret: config.JWT_SECRET } : {}),
    ...(live.resultsCache ? { resultsCache: live.resultsCache } : {}),
    sqlPoolSize: options.edgeOnly ? Math.min(config.DATABASE_POOL_SIZE, 4) : config.DATABASE_POOL_SIZE,
    runProjections: false,
  });
  const deps = {
    logger,
    services,
    http: httpSettings(config),
    live: { bus: live.bus, settings: liveSettingsFrom(config) },
    healthChecks: {
      database: async () => {
        await services.sql.query(sql.unsafe`SELECT 1`);
      },
    },
  };
  const app = options.edgeOnly ? await buildEdgeApp(deps) : await buildApp({ ...deps, ...(live.redis ? { redis: live.redis } : {}) });
  logger.info({ edgeOnly: options.edgeOnly, bus: config.NATS_URL ? 'nats' : 'in-process' }, 'serving');
  await listen(app, {
    host: config.HOST,
    port: config.PORT,
    onShutdown: async () => {
      await services.close();
      await live.close();
      await store.close();
      await sandbox?.close();
      await database.close();
    },
  });
}
