import { sql, type DatabasePool } from 'slonik';
import type { PostgresProjection } from './projection.ts';

/**
 * Empties a projection's tables, sets its checkpoint back to 0 and forgets its parked events, in
 * one transaction, so its next start replays the whole log. Run it only while no runner of the
 * projection is running (a running one would carry on from where its subscription already is).
 * Whole projections only: with partitions, `reset` would empty the other slices' rows too.
 * The zero-downtime form (`pollster projections rebuild`: fresh tables, then swap) builds on this.
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
