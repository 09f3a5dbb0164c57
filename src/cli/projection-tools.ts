import type { Command } from 'commander';
import pino from 'pino';
import type { DatabasePool } from 'slonik';
import type { EventStore } from '../commands/event-store/port.ts';
import { loadConfig } from '../config.ts';
import { createSqlPool } from '../db/slonik.ts';
import { POSTGRES_PROJECTIONS, type PostgresProjection } from '../projections/index.ts';
import { openDatabase } from '../runtime/database.ts';
import { openEventStore } from '../runtime/event-store.ts';

/**
 * What the `pollster projections ...` commands share: the command group (whichever file
 * registers first creates it) and the stores they open. Logs go to stderr at `warn`, so stdout
 * carries only the command's own output.
 */
export function projectionsGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'projections') ?? program.command('projections').description('projection tools');
}

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
  const sql = await createSqlPool(database.url, { maximumPoolSize: options.poolSize ?? 4 });
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

export const PROJECTION_NAMES = POSTGRES_PROJECTIONS.map((p) => p.name).join(', ');

/** The named projection, or the command fails with the list of names. */
export function projectionNamed(command: Command, name: string): PostgresProjection {
  const projection = POSTGRES_PROJECTIONS.find((p) => p.name === name);
  if (!projection) command.error(`pollster: no projection named "${name}"; known: ${PROJECTION_NAMES}`);
  return projection;
}
