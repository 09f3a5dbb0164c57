import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../runtime/database.ts';
import { createLogger } from '../runtime/logger.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the embedded database) and exit')
    .action(async () => {
      const config = loadConfig();
      const logger = await createLogger(config);
      const database = await openDatabase(config, logger);
      await database.close();
    });
}
