import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import type { PostgresProjection } from '../../src/projections/index.ts';
import { rebuildProjection, type RebuildSummary } from '../../src/projections/rebuild/rebuild.ts';

/**
 * `rebuildProjection` over the log already in the database (bulk-log.ts), with the CLI's
 * defaults: what `pollster projections rebuild <name>` does, minus the progress bar.
 */
export async function measureRebuild(databaseUrl: string, projection: PostgresProjection, options: { batchSize?: number; concurrency?: number } = {}): Promise<RebuildSummary> {
  const store = new PostgresEventStore({ connectionString: databaseUrl });
  const sql = await createSqlPool(databaseUrl, { maximumPoolSize: 6 });
  try {
    return await rebuildProjection({ sql, store, projection, ...options });
  } finally {
    await store.close();
    await sql.end();
  }
}
