import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { startProcess } from '../runtime/process.ts';

export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description(
      'run the whole service in one process. With no DATABASE_URL ' +
        'it starts an embedded PostgreSQL under POLLSTER_DATA_DIR (the embedded default)',
    )
    .action(async () => {
      await startProcess(loadConfig());
    });

}
