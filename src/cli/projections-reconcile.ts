import type { Command } from 'commander';
import { projectionsGroup } from './projection-tools.ts';

/**
 * `pollster projections reconcile [--dry-run]`: compares every poll's Redis results with getResults
 * from PostgreSQL, prints each difference and repairs it (rewritten with the PostgreSQL position),
 * then a summary. Safe while workers run: repairs go through the same position guard as the live
 * fan-out, so a newer live write is never overwritten. Differences on stdout, logs on stderr.
 */
export function registerReconcileCommand(program: Command): void {
  projectionsGroup(program)
    .command('reconcile')
    .description('compare the Redis results of every poll with the PostgreSQL read model and repair differences (needs REDIS_URL)')
    .option('--dry-run', 'report differences only, write nothing')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig();
      if (!config.REDIS_URL) command.error('pollster: REDIS_URL is not set: without Redis there is nothing to reconcile');
      const { reconcile } = await import('./run/projections-reconcile.ts');
      process.exitCode = await reconcile(config, config.REDIS_URL, options.dryRun ?? false);
    });
}
