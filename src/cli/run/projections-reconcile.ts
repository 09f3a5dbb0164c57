import pino from 'pino';
import type { Config } from '../../config.ts';
import { CLI_POOL, createSqlPool } from '../../db/slonik.ts';
import { reconcileRedis, type ReconcileSummary } from '../../projections/to-redis/reconcile.ts';
import { connectRedis } from '../../projections/to-redis/redis-client.ts';
import { openDatabase } from '../../runtime/database.ts';

/** The exit code: 2 when a dry run found differences, so a script can tell without parsing. */
export async function reconcile(config: Config, redisUrl: string, dryRun: boolean): Promise<number> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const database = await openDatabase(config, logger);
  const sql = await createSqlPool(database.url, { maximumPoolSize: 4, label: CLI_POOL });
  const redis = await connectRedis(redisUrl, logger);
  try {
    const summary = await reconcileRedis({ sql, redis, logger, dryRun });
    print(summary, dryRun);
    return dryRun && summary.differences.length > 0 ? 2 : 0;
  } finally {
    redis.disconnect();
    await sql.end();
    await database.close();
  }
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
