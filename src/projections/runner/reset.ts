import { sql, type DatabasePool } from 'slonik';
import type { PostgresProjection } from './projection.ts';

/**
 * In one transaction, so the next start replays the whole log. Only while no runner of the
 * projection runs (it would carry on from its subscription), and whole projections only: with
 * partitions it would empty the other slices' rows too.
 */
export async function resetProjection(pool: DatabasePool, projection: PostgresProjection): Promise<void> {
  if (!projection.reset) throw new Error(`projection ${projection.name} cannot be reset`);
  const reset = projection.reset.bind(projection);
  const { name } = projection;
  await pool.transaction(async (tx) => {
    await reset(tx);
    await tx.query(sql.unsafe`
      INSERT INTO projection_checkpoints (name, position) VALUES (${name}, 0)
      ON CONFLICT (name) DO UPDATE SET position = 0, updated_at = now()`);
    await tx.query(sql.unsafe`DELETE FROM parked_events WHERE projection = ${name}`);
  });
}
