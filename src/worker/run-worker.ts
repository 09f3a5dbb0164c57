import type { Config } from '../config.ts';
import { openDatabase } from '../runtime/database.ts';
import { openEventStore } from '../runtime/event-store.ts';
import { createLogger } from '../runtime/logger.ts';
import { createServices } from '../runtime/services.ts';
import { startWorker } from './start-worker.ts';

/**
 * Composition root of `pollster worker`: opens the stores, starts the worker, and on
 * SIGTERM/SIGINT stops it (work in flight finishes, leases are given back so another worker
 * takes over at its next round rather than after noticing a dead connection) and exits.
 */
export async function runWorkerProcess(config: Config, partitions: { count?: number; pinned?: number }): Promise<void> {
  const logger = createLogger(config);
  const database = await openDatabase(config, logger);
  const store = openEventStore(config, database.url);
  const services = await createServices({
    store,
    databaseUrl: database.url,
    // The worker verifies no national ids; the registry client is built but never called.
    registryUrl: config.REGISTRY_URL ?? 'http://registry.invalid',
    sqlPoolSize: config.DATABASE_POOL_SIZE,
    runProjections: false,
    logger,
  });
  const worker = startWorker({ services, config, logger, partitions });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    try {
      await worker.stop();
      await services.close();
      await store.close();
      await database.close();
      clearTimeout(forced);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
