import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';

export interface Database {
  url: string;
  /** Where the data lives, for the start-up log: a folder (embedded) or the server (full stack). */
  location: string;
  close(): Promise<void>;
}

/**
 * The PostgreSQL every mode needs (the log and the read models): the one at DATABASE_URL, or
 * the embedded one of the data folder. Migrations run before anything uses it.
 *
 * `exclusive` (the serving processes) starts the embedded database and holds its folder; the
 * operator commands instead use the embedded database of a server already running on the
 * folder, and start one of their own only when none runs.
 */
export async function openDatabase(config: Config, logger: Logger, options: { exclusive?: boolean } = {}): Promise<Database> {
  const database = config.DATABASE_URL ? fullStack(config.DATABASE_URL) : await embedded(config, logger, options.exclusive ?? false);
  try {
    const report = await migrate(database.url, (line) => logger.info(line));
    logger.info({ applied: report.applied.length, alreadyApplied: report.alreadyApplied }, 'database schema up to date');
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function fullStack(databaseUrl: string): Database {
  const url = new URL(databaseUrl);
  return { url: databaseUrl, location: `${url.hostname}:${url.port || 5432}${url.pathname}`, close: async () => {} };
}

async function embedded(config: Config, logger: Logger, exclusive: boolean): Promise<Database> {
  const running = exclusive ? undefined : await runningEmbeddedPostgres(config.dataDir);
  if (running) {
    logger.info(`using the embedded PostgreSQL of the Pollster process running on ${config.dataDir} (pid ${running.pid}, 127.0.0.1:${running.port})`);
    return { url: running.url, location: config.dataDir, close: async () => {} };
  }
  const started = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.EMBEDDED_PG_PORT,
    log: (line) => logger.info(line),
  });
  return { url: started.url, location: started.dataDir, close: () => started.stop() };
}
