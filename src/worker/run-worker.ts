import type { Config } from '../config.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { startWorker } from './start-worker.ts';

/**
 * Composition root of `pollster worker`: opens the stores, starts the worker, and on
 * SIGTERM/SIGINT stops it (work in flight finishes, leases are given back so another worker
 * takes over at its next round rather than after noticing a dead connection) and exits.
 */
export async function runWorkerProcess(config: Config, partitions: { count?: number; pinned?: number }): Promise<void> {
  const runtime = await openRuntime(config, { runProjections: false, sandboxRegistry: false });
  const { logger, services, live } = runtime;
  const stopReconcile = live.keepRedisReconciled(services.sql);
  const worker = startWorker({ services, config, logger, partitions, projections: live.projections });
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
      stopReconcile();
      await runtime.close();
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
