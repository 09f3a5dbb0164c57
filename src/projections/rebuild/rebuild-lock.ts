import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { stableHash } from '../leases/partitions.ts';

/** Namespace of the two-int advisory keys, next to the leases' (src/projections/leases/lease-keys.ts). */
const REBUILD_NAMESPACE = 1_886_151_004;

export class RebuildInProgressError extends Error {
  readonly code = 'projection.rebuild-in-progress';
  constructor(projection: string) {
    super(`a rebuild of ${projection} is already running`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * Runs `work` holding a session advisory lock named after the projection, on a connection kept
 * for the whole run: two rebuilds of one projection would swap over each other (and each would
 * drop the other's shadow as a leftover). If the process dies, PostgreSQL releases the lock with
 * the connection, so a crashed rebuild never blocks the next one.
 */
export async function withRebuildLock<T>(pool: DatabasePool, projection: string, work: () => Promise<T>): Promise<T> {
  const id = stableHash(projection) & 0x7fffffff;
  return pool.connect(async (connection) => {
    const locked = await connection.oneFirst(sql.type(z.object({ locked: z.boolean() }))`
      SELECT pg_try_advisory_lock(${REBUILD_NAMESPACE}, ${id}) AS locked`);
    if (!locked) throw new RebuildInProgressError(projection);
    try {
      return await work();
    } finally {
      await connection.query(sql.unsafe`SELECT pg_advisory_unlock(${REBUILD_NAMESPACE}, ${id})`);
    }
  });
}
