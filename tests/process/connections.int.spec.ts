import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { loadConfig } from '../../src/config.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { LeaseSession } from '../../src/projections/leases/lease-session.ts';
import { workerKey } from '../../src/projections/leases/lease-keys.ts';
import { openRuntime, type Runtime } from '../../src/runtime/open-runtime.ts';
import { startWorker, type Worker } from '../../src/worker/start-worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * README, "Connections": what one process opens at defaults, by application_name. Four such
 * processes must fit a stock PostgreSQL (max_connections 100, 3 reserved) with room to spare.
 */
const DOCUMENTED = { 'pollster-sql': 8, 'pollster-read': 6, 'pollster-append': 1, 'pollster-leases': 1 } as const;
const PER_PROCESS = 16;

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pollster-connections-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Connections of Pollster's pools to `database`, by application_name. */
async function connectionsTo(client: pg.Client, database: string): Promise<Record<string, number>> {
  const { rows } = await client.query<{ application: string; n: number }>(
    `SELECT application_name AS application, count(*)::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND application_name LIKE 'pollster-%' GROUP BY 1`,
    [database],
  );
  return Object.fromEntries(rows.map((r) => [r.application, r.n]));
}

/** The error `promise` rejects with (a resolved promise fails the test). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => expect.fail('expected a refused connection'),
    (error: unknown) => error as Error & { code?: string },
  );
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Drives every pool of `runtime` to its limit: the log is locked, so every read and append waits
 * on a connection of its own, and the SQL pool is kept busy with sleeps. Returns the most
 * connections seen per application_name while that lasts.
 */
async function underFullLoad(runtime: Runtime, db: TestDatabase): Promise<Record<string, number>> {
  const locker = new pg.Client({ connectionString: db.url, application_name: 'test-locker' });
  // Not the locker: within a transaction pg_stat_activity answers from the snapshot of its first read.
  const observer = new pg.Client({ connectionString: db.url, application_name: 'test-observer' });
  await Promise.all([locker.connect(), observer.connect()]);
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const load = [
      ...Array.from({ length: 24 }, () => runtime.services.sql.query(sql.unsafe`SELECT pg_sleep(0.3)`)),
      ...Array.from({ length: 24 }, (_, i) => runtime.store.readStream(`test-${i}`)),
      ...Array.from({ length: 8 }, (_, i) => runtime.store.append(`test-${i}`, [{ id: randomUUID(), type: 'Tested', data: {} }], 'any')),
    ];
    const most: Record<string, number> = {};
    const reached = (application: keyof typeof DOCUMENTED) => (most[application] ?? 0) >= DOCUMENTED[application];
    const until = Date.now() + 10_000;
    while (Date.now() < until && !(reached('pollster-sql') && reached('pollster-read') && reached('pollster-append'))) {
      const now = await connectionsTo(observer, db.name);
      for (const [application, n] of Object.entries(now)) most[application] = Math.max(most[application] ?? 0, n);
      expect(total(now), JSON.stringify(now)).toBeLessThanOrEqual(PER_PROCESS);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await locker.query('COMMIT');
    await Promise.all(load);
    return most;
  } finally {
    await Promise.all([locker.end(), observer.end()]);
  }
}

describe('connections per process at default settings', () => {
  it('pollster start (API, projections and jobs in one process) stays within the documented pools under full load', async () => {
    const db = await createTestDatabase('pollster_conn');
    const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', POLLSTER_DATA_DIR: dataDir });
    const runtime = await openRuntime(config, { runProjections: true, sandboxRegistry: true });
    const jobs = startWorker({ services: runtime.services, config, logger: runtime.logger, runProjections: false });
    try {
      const most = await underFullLoad(runtime, db);
      // Each pool filled to its size (so the load did reach them) and no further.
      expect(most['pollster-sql']).toBe(DOCUMENTED['pollster-sql']);
      expect(most['pollster-read']).toBe(DOCUMENTED['pollster-read']);
      expect(most['pollster-append']).toBe(DOCUMENTED['pollster-append']);
      expect(most['pollster-leases'] ?? 0).toBeLessThanOrEqual(DOCUMENTED['pollster-leases']);
    } finally {
      await jobs.stop();
      await runtime.close();
      await db.drop();
    }
  });

  it('pollster worker holding every partition and every job uses one lease session', async () => {
    const db = await createTestDatabase('pollster_conn');
    const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', POLLSTER_DATA_DIR: dataDir, LEASE_RETRY_MS: '100' });
    const runtime = await openRuntime(config, { runProjections: false, sandboxRegistry: false });
    let worker: Worker | undefined;
    try {
      worker = startWorker({ services: runtime.services, config, logger: runtime.logger, projections: runtime.live.projections });
      const until = Date.now() + 10_000;
      while (Date.now() < until && !(worker.partitions().length === config.PROJECTION_PARTITIONS && worker.jobs().length === 6)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(worker.partitions()).toHaveLength(config.PROJECTION_PARTITIONS);
      expect(worker.jobs()).toHaveLength(6);
      const most = await underFullLoad(runtime, db);
      expect(most['pollster-leases']).toBe(1);
      expect(total(most)).toBeLessThanOrEqual(PER_PROCESS);
    } finally {
      await worker?.stop();
      await runtime.close();
      await db.drop();
    }
  });

  it('four processes at defaults fit a stock PostgreSQL with room to spare', () => {
    expect(total(DOCUMENTED)).toBe(PER_PROCESS);
    expect(4 * PER_PROCESS).toBeLessThanOrEqual(100 - 3 - 25);
  });
});

describe('a server out of connections (SQLSTATE 53300)', () => {
  let db: TestDatabase;
  let role: string;
  let url: string;
  let admin: pg.Client;
  let slot: pg.Client | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('pollster_conn');
    role = `pollster_limited_${randomBytes(4).toString('hex')}`;
    admin = new pg.Client({ connectionString: serviceUrls.postgres });
    await admin.connect();
    // "too many connections for role" is 53300 as well, and provokes it without filling the server.
    await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
    const limited = new URL(db.url);
    limited.username = role;
    limited.password = '';
    url = limited.toString();
  });
  afterAll(async () => {
    await slot?.end().catch(() => {});
    await db.drop();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  async function takeTheOnlySlot(): Promise<void> {
    slot = new pg.Client({ connectionString: url });
    await slot.connect();
  }

  it('names the pool and the setting to change', async () => {
    // Created while a slot is free (slonik opens a connection at creation to read type oids).
    const sqlPool = await createSqlPool(url, { maximumPoolSize: 8 });
    const store = new PostgresEventStore({ connectionString: url });
    const leases = new LeaseSession({ databaseUrl: url, logger: pino({ level: 'silent' }) });
    await takeTheOnlySlot();
    try {
      const refusal = /PostgreSQL refused a connection of the (.+?) \((.+?)\): too many connections for role/;

      const read = await failure(store.readStream('poll-x'));
      expect(read.message).toMatch(refusal);
      expect(read.message).toContain('event store read pool (EVENT_STORE_READ_POOL_SIZE=6)');
      expect(read.code).toBe('53300');

      const append = await failure(store.append('poll-x', [{ id: randomUUID(), type: 'Tested', data: {} }], 'any'));
      expect(append.message).toContain('append flushers (APPEND_FLUSHERS=1)');

      const query = await failure(sqlPool.query(sql.unsafe`SELECT 1`));
      expect(query.message).toContain('SQL pool (DATABASE_POOL_SIZE=8)');
      expect(query.message).toMatch(refusal);

      const lease = await failure(leases.tryLock(workerKey(1), () => {}));
      expect(lease.message).toContain('lease session (one connection)');
    } finally {
      await leases.close();
      await store.close();
      await sqlPool.end();
    }
  });

  it('names the SQL pool when it cannot even start', async () => {
    if (!slot) await takeTheOnlySlot();
    const refused = await failure(createSqlPool(url, { maximumPoolSize: 5 }));
    expect(refused.message).toContain('SQL pool (DATABASE_POOL_SIZE=5)');
  });
});
