import type { Config } from '../config.ts';
import { openRuntime, WORKER_SETTLE_MS } from './open-runtime.ts';
import { exitGracefully } from './graceful-exit.ts';
import { startWorker } from '../worker/start-worker.ts';

/**
 * Composition root of `pollster worker`: opens the stores, starts the worker, and on
 * SIGTERM/SIGINT stops it (work in flight finishes, leases are given back so another worker
 * takes over at its next round rather than after noticing a dead connection) and exits.
 */
export async function runWorkerProcess(config: Config, partitions: { count?: number; pinned?: number }): Promise<void> {
  const runtime = await openRuntime(config, { runProjections: false, sandboxRegistry: false, subscriptionSettleMs: WORKER_SETTLE_MS });
  const { logger, services, live } = runtime;
  const redisKeeper = live.keepRedisReconciled(services.sql);
  const worker = startWorker({ services, config, logger, partitions, projections: live.projections, onPartitionTaken: redisKeeper.check });
  exitGracefully(logger, async () => {
    await worker.stop();
    redisKeeper.stop();
    await runtime.close();
  });
}
