import { sql } from 'slonik';
import { buildApp, type HttpSettings } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { startRegistrySandbox } from '../commands/identity/national-registry/sandbox/index.ts';
import type { Config } from '../config.ts';
import { openDatabase } from './database.ts';
import { openEventStore } from './event-store.ts';
import { createLogger } from './logger.ts';
import { createServices } from './services.ts';

export function httpSettings(config: Config): HttpSettings {
  const proxy = config.TRUST_PROXY;
  return {
    accessTokenSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: proxy === undefined ? false : proxy === 'true' ? true : proxy.split(',').map((p) => p.trim()),
    corsOrigins: config.CORS_ORIGINS ? config.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    ballotsPerMinute: config.RATE_LIMIT_BALLOTS_PER_MINUTE,
    authPerMinute: config.RATE_LIMIT_AUTH_PER_MINUTE,
  };
}

/** Composition root of a Pollster process: opens the stores, wires the ports, serves. */
export async function startProcess(config: Config): Promise<void> {
  const logger = createLogger(config);
  logger.info(
    { mode: config.mode, eventStore: config.EVENT_STORE, dataDir: config.mode === 'embedded' ? config.dataDir : undefined },
    config.mode === 'embedded'
      ? `embedded mode: own PostgreSQL under ${config.dataDir}, in-process counters and bus`
      : 'full-stack mode: DATABASE_URL, REDIS_URL, NATS_URL',
  );
  const database = await openDatabase(config, logger);
  logger.info({ database: database.location }, `data in ${database.location}`);
  const store = openEventStore(config, database.url);
  // Without REGISTRY_URL the bundled sandbox registry answers, so identity verification works out of the box.
  const sandbox = config.REGISTRY_URL ? undefined : await startRegistrySandbox();
  if (sandbox) logger.warn({ registry: sandbox.url }, 'REGISTRY_URL not set: national IDs are checked against the sandbox registry');
  const services = await createServices({
    store,
    databaseUrl: database.url,
    registryUrl: config.REGISTRY_URL ?? sandbox!.url,
    ...(config.JWT_SECRET ? { jwtSecret: config.JWT_SECRET } : {}),
    sqlPoolSize: config.DATABASE_POOL_SIZE,
    runProjections: true,
    logger: logger.child({ component: 'projections' }),
  });

  const app = await buildApp({
    logger,
    services,
    http: httpSettings(config),
    healthChecks: {
      eventStore: async () => {
        await store.headPosition();
      },
      database: async () => {
        await services.sql.query(sql.unsafe`SELECT 1`);
      },
    },
  });
  await listen(app, {
    host: config.HOST,
    port: config.PORT,
    onShutdown: async () => {
      await services.close();
      await store.close();
      await sandbox?.close();
      await database.close();
    },
  });
}
