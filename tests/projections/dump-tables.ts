import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { PostgresProjection } from '../../src/projections/index.ts';

/**
 * Every row of a projection's tables (its declared `tables`) as JSON text, sorted: what "the
 * same tables" means when a rebuild or a crashed and restarted worker is compared with a replay.
 */
export async function dumpTables(pool: DatabasePool, projection: PostgresProjection): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const qualified of projection.tables ?? []) {
    const [schema, table] = qualified.split('.') as [string, string];
    out[qualified] = [...(await pool.anyFirst(sql.type(z.object({ row: z.string() }))`
      SELECT to_jsonb(t)::text AS row FROM ${sql.identifier([schema, table])} t ORDER BY 1`))];
  }
  return out;
}

/** The names of a table's indexes, to check a swap kept them as the migrations made them. */
/** A table's indexes as PostgreSQL defines them (`CREATE [UNIQUE] INDEX name ON schema.table ...`). */
export async function indexDefinitions(pool: DatabasePool, qualified: string): Promise<string[]> {
  const [schema, table] = qualified.split('.') as [string, string];
  return [...(await pool.anyFirst(sql.type(z.object({ indexdef: z.string() }))`
    SELECT indexdef FROM pg_indexes WHERE schemaname = ${schema} AND tablename = ${table} ORDER BY indexname`))];
}
