import { buildApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import type { Config } from '../config.ts';
import { openDatabase } from './database.ts';
import { openEventStore } from './event-store.ts';
import { createLogger } from './logger.ts';

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

  const shutdown = async () => {
    await store.close();
    await database.close();
  };
  const app = await buildApp({
    logger,
    healthChecks: {
      eventStore: async () => {
        await store.headPosition();
      },
    },
  });
  await listen(app, { host: config.HOST, port: config.PORT, onShutdown: shutdown });
}
