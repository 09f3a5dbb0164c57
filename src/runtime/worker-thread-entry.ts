import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config.ts';
import { PollsterError } from '../domain/shared/errors.ts';
import { PostgresEventStore } from '../event-store/postgres/postgres-event-store.ts';
import { startWorker } from '../worker/start-worker.ts';
import { openRuntime, WORKER_SETTLE_MS } from './open-runtime.ts';
import type { FromThread, ToThread, WorkerThreadData } from './worker-thread.ts';

/**
 * The thread src/runtime/worker-thread.ts starts: what `pollster worker` runs, on the database the
 * main thread opened, with the projections unpartitioned (their checkpoints are the ones
 * `pollster start` has always kept) and no partition leases, as in one thread.
 */
const port = parentPort!;
const data = workerData as WorkerThreadData;
const send = (message: FromThread) => port.postMessage(message);

// No vote tokens held in memory: they speed up the ballots the main thread decides, and the
// thread's jobs decide none (the set would be a second copy of up to VOTE_TOKENS_IN_MEMORY hashes).
const config = loadConfig({ ...process.env, DATABASE_URL: data.databaseUrl, LOG_FORMAT: data.logFormat, VOTE_TOKENS_IN_MEMORY: '0' });
const runtime = await openRuntime(config, {
  runProjections: true,
  sandboxRegistry: false,
  openedDatabaseUrl: data.databaseUrl,
  subscriptionSettleMs: WORKER_SETTLE_MS,
  thread: 'worker',
});
const { services, live, logger } = runtime;
const projections = services.projections!;
const store = runtime.store instanceof PostgresEventStore ? runtime.store : undefined;
const redisKeeper = live.keepRedisReconciled(services.sql);
const jobs = startWorker({ services, config, logger, runProjections: false });

const failure = (error: unknown) =>
  error instanceof PollsterError ? { kind: error.kind, code: error.code, message: error.message } : { message: error instanceof Error ? error.message : String(error) };

async function stop(): Promise<void> {
  try {
    await jobs.stop();
    redisKeeper.stop();
    await runtime.close();
    send({ type: 'stopped' });
  } catch (error) {
    send({ type: 'stopped', error: `the worker thread failed to stop cleanly: ${failure(error).message}` });
  }
  port.close();
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'wait': {
      const { id, position, timeoutMs, projection } = message;
      // Read-your-writes: the command just committed on the main thread; no need to wait for the next poll.
      store?.readNow();
      projections.waitForPosition(position, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(projection !== undefined ? { projection } : {}) }).then(
        () => send({ type: 'answer', id }),
        (error: unknown) => send({ type: 'failed', id, error: failure(error) }),
      );
      return;
    }
    case 'status':
      projections.status().then(
        (value) => send({ type: 'answer', id: message.id, value }),
        (error: unknown) => send({ type: 'failed', id: message.id, error: failure(error) }),
      );
      return;
    case 'stop':
      void stop();
      return;
  }
});
send({ type: 'ready' });
