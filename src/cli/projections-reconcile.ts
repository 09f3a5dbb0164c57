import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { createSqlPool } from '../db/slonik.ts';
import { reconcileRedis, type ReconcileSummary } from '../projections/to-redis/reconcile.ts';
import { openDatabase } from '../runtime/database.ts';

/**
 * `pollster projections reconcile [--dry-run]`: compares every poll's Redis results with getResults
 * from PostgreSQL, prints each difference and repairs it (rewritten with the PostgreSQL position),
 * then a summary. Safe while workers run: repairs go through the same position guard as the live
 * fan-out, so a newer live write is never overwritten. Differences on stdout, logs on stderr.
 */
export function registerReconcileCommand(program: Command): void {
  const projections =
    program.commands.find((c) => c.name() === 'projections') ?? program.command('projections').description('projection tools');
  projections
    .command('reconcile')
    .description('compare the Redis results of every poll with the PostgreSQL read model and repair differences (needs REDIS_URL)')
    .option('--dry-run', 'report differences only, write nothing')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const config = loadConfig();
      if (!config.REDIS_URL) command.error('pollster: REDIS_URL is not set: without Redis there is nothing to reconcile');
      const logger = pino({ level: 'warn' }, pino.destination(2));
      const database = await openDatabase(config, logger);
      const sql = await createSqlPool(database.url, { maximumPoolSize: 4 });
      // The Redis client loads only for this command (see start.ts).
      const { connectRedis } = await import('../projections/to-redis/redis-client.ts');
      const redis = await connectRedis(config.REDIS_URL, logger);
      try {
        const summary = await reconcileRedis({ sql, redis, logger, dryRun: options.dryRun ?? false });
        print(summary, options.dryRun ?? false);
        process.exitCode = options.dryRun && summary.differences.length > 0 ? 2 : 0;
      } finally {
        redis.disconnect();
        await sql.end();
        await database.close();
      }
    });
}

function print(summary: ReconcileSummary, dryRun: boolean): void {
  for (const { pollId, problems, repaired } of summary.differences) {
    const outcome = dryRun ? 'differs' : repaired ? 'repaired' : 'changed meanwhile, left to the live writer';
    console.log(`${pollId}: ${outcome}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; ... ${problems.length - 5} more` : ''}`);
  }
  console.log(
    `${summary.polls} polls checked: ${summary.inSync} in sync, ${summary.differences.length} different` +
      (dryRun ? ' (dry run: nothing written)' : `, ${summary.repaired} repaired`),
  );
}
