import pino from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore } from '../../event-store/port.ts';
import { loadConfig } from '../../config.ts';
import { CLI_POOL, createSqlPool } from '../../db/slonik.ts';
import { POSTGRES_PROJECTIONS, type PostgresProjection } from '../../projections/index.ts';
import { openDatabase } from '../../runtime/database.ts';
import { openEventStore } from '../../runtime/event-store.ts';

/**
 * The stores the `pollster projections ...` commands open. Logs go to stderr at `warn`, so
 * stdout carries only the command's own output.
 */
export interface ProjectionTools {
  sql: DatabasePool;
  store: EventStore;
  close(): Promise<void>;
}

export async function openProjectionTools(options: { poolSize?: number } = {}): Promise<ProjectionTools> {
  const config = loadConfig();
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const database = await openDatabase(config, logger);
  const store = await openEventStore(config, database.url);
  const sql = await createSqlPool(database.url, { maximumPoolSize: options.poolSize ?? 4, label: CLI_POOL });
  return {
    sql,
    store,
    async close() {
      await sql.end();
      await store.close();
      await database.close();
    },
  };
}

export function projectionNamed(name: string): PostgresProjection {
  const projection = POSTGRES_PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw new Error(`no projection named "${name}"`);
  return projection;
}
