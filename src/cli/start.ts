import type { Command } from 'commander';
import { loadConfig } from '../config.ts';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description(
      'run the whole service in one process. With no DATABASE_URL ' +
        'it starts an embedded PostgreSQL under POLLSTER_DATA_DIR (the embedded default)',
    )
    .action(async () => {
      // Loaded here, not at the top: every other command (a worker restarting after a crash, a
      // CLI tool) would otherwise pay for importing the whole HTTP API first.
      const { startProcess } = await import('../runtime/process.ts');
      await startProcess(loadConfig());
    });

}
