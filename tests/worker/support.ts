import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { loadConfig } from '../../src/config.ts';
import { createServices, type Services } from '../../src/runtime/services.ts';
import { startWorker, type StartWorkerOptions, type Worker } from '../../src/worker/start-worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * Workers against one fresh database, each with its own store, pool and poll cache, as separate
 * processes would have. Timings are short so leases move and jobs run within a test's patience.
 */
export const silent = pino({ level: process.env.WORKER_TEST_LOG ?? 'silent' });

export const fastEnv = {
  LEASE_RETRY_MS: '200',
  JOBS_INTERVAL_MS: '150',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_RETRY_BASE_MS: '50',
  // The test receivers listen on loopback: allowed as an operator allows an on-premises receiver.
  WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1',
};

export interface WorkerHandle {
  worker: Worker;
  services: Services;
  /** Stops the worker and closes its services and store. */
  close(): Promise<void>;
}

export interface WorkerHarness {
  db: TestDatabase;
  /** Store and pool of the test itself (writing events, reading results). */
  store: PostgresEventStore;
  sql: DatabasePool;
  services: Services;
  startWorker(env?: Record<string, string>, options?: Partial<StartWorkerOptions>): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export async function openWorkerHarness(): Promise<WorkerHarness> {
  const db = await createTestDatabase();
  const open: WorkerHandle[] = [];
  const services = async (allowed = fastEnv.WEBHOOK_ALLOWED_NETWORKS) => {
    const store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 20 });
    const s = await createServices({
      store, databaseUrl: db.url, registryUrl: 'http://registry.invalid', runProjections: false, webhookAllowedNetworks: allowed.split(','),
    });
    return { store, services: s };
  };
  const own = await services();
  return {
    db,
    store: own.store,
    sql: own.services.sql,
    services: own.services,
    async startWorker(env = {}, options = {}) {
      const config = loadConfig({ DATABASE_URL: db.url, POLLSTER_DATA_DIR: `/tmp/pollster-test-${randomUUID()}`, ...fastEnv, ...env });
      const { store, services: s } = await services(config.WEBHOOK_ALLOWED_NETWORKS);
      const worker = startWorker({ services: s, config, logger: silent, runner: { restartDelayMs: { min: 10, max: 50 } }, ...options });
      let closed = false;
      const handle: WorkerHandle = {
        worker,
        services: s,
        async close() {
          if (closed) return;
          closed = true;
          await worker.stop();
          await s.close();
          await store.close();
        },
      };
      open.push(handle);
      return handle;
    },
    async close() {
      await Promise.all(open.map((h) => h.close()));
      await own.services.close();
      await own.store.close();
      await db.drop();
    },
  };
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function pollStatus(pool: DatabasePool, pollId: string): Promise<string | null> {
  const row = await pool.maybeOne(sql.type(z.object({ status: z.string() }))`SELECT status FROM read.polls WHERE poll_id = ${pollId}`);
  return row?.status ?? null;
}
