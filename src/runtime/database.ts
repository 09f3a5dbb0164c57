import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';

export interface Database {
  url: string;
  /** Where the data lives, for the start-up log: a folder (embedded) or the server (full stack). */
  location: string;
  close(): Promise<void>;
}

/**
 * The PostgreSQL every mode needs (the log and the read models): the one at DATABASE_URL, or
 * the embedded one under the data folder. Migrations run before anything uses it.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let database: Database;
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    database = { url: config.DATABASE_URL, location: `${url.hostname}:${url.port || 5432}${url.pathname}`, close: async () => {} };
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.EMBEDDED_PG_PORT,
      log: (line) => logger.info(line),
    });
    database = { url: embedded.url, location: embedded.dataDir, close: () => embedded.stop() };
  }
  try {
    const report = await migrate(database.url, (line) => logger.info(line));
    logger.info({ applied: report.applied.length, alreadyApplied: report.alreadyApplied }, 'database schema up to date');
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
