import { sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createSqlPool } from '../../src/db/slonik.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { PROJECTION_NAMES } from '../../src/projections/names.ts';
import { createServices, type Services } from '../../src/runtime/services.ts';
import { waitForCheckpoints } from '../../src/projections/runner/checkpoint-wait.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * `pollster serve` runs no projections: after a command it waits for the workers' checkpoints
 * (src/projections/runner/checkpoint-wait.ts). Given these checkpoint rows, it waits for exactly
 * the partition scheme that is running, and never longer than its bound.
 */
let db: TestDatabase;
let pool: DatabasePool;
beforeAll(async () => {
  db = await createTestDatabase('pollster_checkpoint_wait');
  pool = await createSqlPool(db.url, { maximumPoolSize: 2 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query(sql.unsafe`DELETE FROM projection_checkpoints`);
});

/** A checkpoint row at `position`, last moved `ageSeconds` ago. */
const checkpoint = (name: string, position: number, ageSeconds = 0) =>
  pool.query(sql.unsafe`
    INSERT INTO projection_checkpoints (name, position, updated_at) VALUES (${name}, ${position}, now() - make_interval(secs => ${ageSeconds}))
    ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`);

const settledWithin = async (promise: Promise<boolean>, ms: number) =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

/** The wait holds while the checkpoints are behind, and answers true once `move` puts the last one past. */
async function expectHeldUntil(wait: Promise<boolean>, move: () => Promise<unknown>) {
  expect(await settledWithin(wait, 200)).toBe('pending');
  await move();
  expect(await settledWithin(wait, 3_000)).toBe(true);
}

describe('waiting for the workers’ checkpoints', () => {
  it('waits for every partition of the running scheme, not for those an earlier deploy left behind', async () => {
    await checkpoint('results', 5, 86_400); // `pollster start` once ran here, unpartitioned
    await checkpoint('results#0/4', 10, 3_600); // then four partitions
    await checkpoint('results#0/2', 120); // now two
    await checkpoint('results#1/2', 90);
    const wait = waitForCheckpoints(pool, 100n, { names: ['results'], timeoutMs: 5_000, intervalMs: 5 });
    await expectHeldUntil(wait, () => checkpoint('results#1/2', 130));
  });

  it('waits for every projection named', async () => {
    await checkpoint('results#0/1', 200);
    await checkpoint('analytics#0/1', 50);
    const wait = waitForCheckpoints(pool, 100n, { names: ['results', 'analytics'], timeoutMs: 5_000, intervalMs: 5 });
    await expectHeldUntil(wait, () => checkpoint('analytics#0/1', 200));
  });

  it('answers false once its bound has passed: a partition stays behind, or no worker ever ran', async () => {
    await checkpoint('results#0/2', 120);
    await checkpoint('results#1/2', 90);
    const started = performance.now();
    expect(await waitForCheckpoints(pool, 100n, { names: ['results'], timeoutMs: 150, intervalMs: 5 })).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(await waitForCheckpoints(pool, 1n, { names: ['analytics'], timeoutMs: 50, intervalMs: 5 })).toBe(false);
  });

  it('answers at once when the read models are already there', async () => {
    await checkpoint('results#0/1', 300);
    const started = performance.now();
    expect(await waitForCheckpoints(pool, 300n, { names: ['results'], timeoutMs: 5_000 })).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('a serve node after a command (services.readModelsAt without projections)', () => {
  let store: PostgresEventStore;
  let services: Services;
  const warnings: string[] = [];
  beforeAll(async () => {
    store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 20 });
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    services = await createServices({ store, databaseUrl: db.url, registryUrl: 'http://registry.invalid', runProjections: false, workersWaitMs: 400, logger, sqlPoolSize: 2 });
  });
  afterAll(async () => {
    await services?.close();
    await store?.close();
  });
  beforeEach(() => void warnings.splice(0));

  it('answers at once, without a warning, when the workers are past the command', async () => {
    for (const name of PROJECTION_NAMES) await checkpoint(`${name}#0/1`, 500);
    const started = performance.now();
    await services.readModelsAt(500n);
    expect(performance.now() - started).toBeLessThan(300);
    expect(warnings).toEqual([]);
  });

  it('answers after its bound with a warning when no worker runs', async () => {
    const started = performance.now();
    await services.readModelsAt(1n);
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(warnings).toEqual(['the read models did not reach a command within the wait: no worker running, or one behind']);
  });

  it('never turns a committed command into an error when the checkpoints cannot be read', async () => {
    await pool.query(sql.unsafe`ALTER TABLE projection_checkpoints RENAME TO projection_checkpoints_away`);
    try {
      const started = performance.now();
      await expect(services.readModelsAt(1n)).resolves.toBeUndefined();
      expect(performance.now() - started).toBeLessThan(400); // it gives up at the failed read, not at the bound
      expect(warnings).toEqual(['could not read the checkpoints to wait for the read models']);
    } finally {
      await pool.query(sql.unsafe`ALTER TABLE projection_checkpoints_away RENAME TO projection_checkpoints`);
    }
  });
});
