import type { Command } from 'commander';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the embedded database) and exit')
    .action(async () => {
      const [{ loadConfig }, { openDatabase }, { createLogger }] = await Promise.all([
        import('../config.ts'),
        import('../runtime/database.ts'),
        import('../runtime/logger.ts'),
      ]);
      const config = loadConfig();
      const database = await openDatabase(config, await createLogger(config));
      await database.close();
    });
}
