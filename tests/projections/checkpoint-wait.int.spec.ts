import { sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqlPool } from '../../src/db/slonik.ts';
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

describe('waiting for the workers’ checkpoints', () => {
  it('waits for every partition of the running scheme, not for those an earlier deploy left behind', async () => {
    await checkpoint('results', 5, 86_400); // `pollster start` once ran here, unpartitioned
    await checkpoint('results#0/4', 10, 3_600); // then four partitions
    await checkpoint('results#0/2', 120); // now two
    await checkpoint('results#1/2', 90);
    const wait = waitForCheckpoints(pool, 100n, { names: ['results'], timeoutMs: 5_000, intervalMs: 5 });
    expect(await settledWithin(wait, 200)).toBe('pending');
    await checkpoint('results#1/2', 130);
    expect(await settledWithin(wait, 3_000)).toBe(true);
  });

  it('waits for every projection named', async () => {
    await checkpoint('results#0/1', 200);
    await checkpoint('analytics#0/1', 50);
    const wait = waitForCheckpoints(pool, 100n, { names: ['results', 'analytics'], timeoutMs: 5_000, intervalMs: 5 });
    expect(await settledWithin(wait, 200)).toBe('pending');
    await checkpoint('analytics#0/1', 200);
    expect(await settledWithin(wait, 3_000)).toBe(true);
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
