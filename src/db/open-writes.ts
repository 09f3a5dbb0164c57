import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

/**
 * Transactions in progress on the whole PostgreSQL server that hold a transaction id, oldest id
 * first. Readers of `$all` read only below pg_snapshot_xmin (migrations/001_events.sql), the
 * oldest of these, so while one stays open nothing committed after it began reaches projections,
 * the live feed or the vote path's poll cache: an idle-in-transaction session of any program on
 * the server, or a forgotten prepared transaction, stalls them all. Other roles' sessions show
 * only to a superuser or a member of pg_read_all_stats.
 */
export interface OpenWrite {
  /** Backend pid; null for a prepared transaction (it has no session). */
  pid: number | null;
  /** application_name, or `prepared transaction <gid>`. */
  application: string;
  /** pg_stat_activity.state: active, idle in transaction ...; 'prepared' for a prepared transaction. */
  state: string;
  database: string;
  user: string;
  /** When the transaction began (ISO 8601); with pid, it tells one transaction from the next. */
  since: string;
  seconds: number;
  /** Start of its last statement's text, for a human to recognise it. */
  query: string;
}

const openWriteRow = z.object({
  pid: z.number().nullable(),
  application: z.string(),
  state: z.string(),
  database: z.string(),
  user: z.string(),
  since: z.string(),
  seconds: z.number(),
  query: z.string(),
});

export async function openWrites(pool: DatabasePool, limit = 5): Promise<OpenWrite[]> {
  const rows = await pool.any(sql.type(openWriteRow)`
    SELECT pid, application, state, database, "user", since, seconds, query FROM (
      SELECT pid, coalesce(application_name, '') AS application, coalesce(state, '') AS state,
             coalesce(datname, '') AS database, coalesce(usename, '') AS "user",
             to_json(xact_start) #>> '{}' AS since, extract(epoch FROM clock_timestamp() - xact_start)::float8 AS seconds, left(coalesce(query, ''), 200) AS query,
             age(backend_xid) AS xid_age
        FROM pg_stat_activity
       WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
      UNION ALL
      SELECT NULL, 'prepared transaction ' || gid, 'prepared', database, owner,
             to_json(prepared) #>> '{}', extract(epoch FROM clock_timestamp() - prepared)::float8, '', age(transaction)
        FROM pg_prepared_xacts
    ) w
    ORDER BY xid_age DESC
    LIMIT ${limit}`);
  return [...rows];
}

/** The transaction holding the `$all` horizon now, if any. */
export async function oldestOpenWrite(pool: DatabasePool): Promise<OpenWrite | undefined> {
  return (await openWrites(pool, 1))[0];
}
