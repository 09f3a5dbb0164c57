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
    .action(async (options: { dryRun?: boolean }) => {
      const { ConfigError, loadConfig } = await import('../config.ts');
      const config = loadConfig();
      // A setting, not a usage mistake: one line like any configuration error, no usage line.
      if (!config.REDIS_URL) throw new ConfigError('REDIS_URL is not set: without Redis there is nothing to reconcile');
      const { reconcile } = await import('./run/projections-reconcile.ts');
      process.exitCode = await reconcile(config, config.REDIS_URL, options.dryRun ?? false);
    });
}
