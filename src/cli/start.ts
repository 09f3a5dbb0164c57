import type { Command } from 'commander';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description(
      'run the whole service in one process. With no DATABASE_URL ' +
        'it starts an embedded PostgreSQL under POLLSTER_DATA_DIR (the embedded default)',
    )
    .action(async () => {
      const [{ loadConfig }, { startProcess }] = await Promise.all([import('../config.ts'), import('../runtime/process.ts')]);
      await startProcess(loadConfig());
    });
}
