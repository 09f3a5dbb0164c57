import { createPgDriverFactory } from '@slonik/pg-driver';
import { createPool, type DatabasePool, type DriverFactory, type Interceptor, type QueryResultRow, SchemaValidationError } from 'slonik';
import { explainConnectionError, type PoolLabel } from './pool-errors.ts';

/**
 * The SQL pool for everything but the event store's hot path: raw, tagged, typed SQL
 * (`sql.type(zodSchema)` + `one` / `maybeOne` / `many`). The interceptor makes the row schema a
 * check, not only a type: a row that does not match fails loudly instead of leaking `undefined`.
 */
const validateRows: Interceptor = {
  name: 'pollster-validate-rows',
  transformRowAsync: async (context, query, row, fields) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const result = await parser['~standard'].validate(row);
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as QueryResultRow;
  },
};

/**
 * slonik's pg driver, with its connection errors naming the pool: every new connection (and the
 * one the driver opens at start to read type oids) is made here, so a refusal by the server
 * reaches the caller as slonik's ConnectionError carrying our message.
 */
function labelledDriver(label: PoolLabel): DriverFactory {
  const pgDriver = createPgDriverFactory();
  const explain = (error: unknown) => {
    throw explainConnectionError(error, label);
  };
  return async (setup) => {
    const driver = await pgDriver(setup).catch(explain);
    return { createClient: () => driver.createClient().catch(explain) };
  };
}

export interface SqlPoolOptions {
  maximumPoolSize?: number;
  /** How connection errors name it: default the processes' pool, sized by DATABASE_POOL_SIZE. */
  label?: Omit<PoolLabel, 'size'>;
}

const PROCESS_POOL = { name: 'SQL pool', setting: 'DATABASE_POOL_SIZE' };
/** The few connections of a `pollster` tool command (audit, projections): fixed, no setting. */
export const CLI_POOL = { name: 'command-line SQL pool' };

export async function createSqlPool(url: string, options: SqlPoolOptions = {}): Promise<DatabasePool> {
  const size = options.maximumPoolSize ?? 10;
  // Named in pg_stat_activity beside the event store's pollster-read and pollster-append.
  const named = new URL(url);
  if (!named.searchParams.has('application_name')) named.searchParams.set('application_name', 'pollster-sql');
  return createPool(named.toString(), {
    interceptors: [validateRows],
    // slonik's default sends DISCARD ALL on every release: a fifth of all statements under ballot
    // load. Nothing here leaves session state to discard: every SET is LOCAL, the one session
    // advisory lock (rebuild-lock.ts) is unlocked by its holder, statements are unnamed, and a
    // connection whose transaction failed is rolled back by slonik before it returns.
    resetConnection: async () => {},
    maximumPoolSize: size,
    driverFactory: labelledDriver({ ...(options.label ?? PROCESS_POOL), size }),
  });
}
