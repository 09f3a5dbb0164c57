import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { READ_SCHEMA } from '../runner/search-path.ts';

/**
 * The shadow tables a rebuild fills: a schema of its own (`rebuild_<name>_<ms>`) holding a copy
 * of each live table's shape under the SAME name, so the projection's handler (which names its
 * tables unqualified) writes into them once the search path points there.
 *
 * Primary keys, unique constraints and unique indexes are created with the tables: the replay's
 * `ON CONFLICT` needs them as arbiters. The other (secondary) indexes are built once the bulk of
 * the log is in (`createSecondaryIndexes`), one sort each instead of an entry at a random place
 * for every row: no replay statement reads through them. (Tried once before, when analytics
 * still counted a voter's earlier ballots through analytics_ballots_voter, that made its replay
 * quadratic.) Every index and constraint keeps its live name: schemas are namespaces, and after
 * the swap the tables look exactly as the migrations made them (a later migration can drop them
 * by name).
 * Logged tables, not UNLOGGED ones turned LOGGED before the swap: measured, the replay was no
 * faster on this 2-core box, and SET LOGGED then rewrote every table once more.
 */
export interface TableName {
  schema: string;
  table: string;
}

export function parseTableName(qualified: string): TableName {
  const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(qualified);
  if (!match || match[1] !== READ_SCHEMA) throw new Error(`projection table ${qualified} is not a plain ${READ_SCHEMA}.<table> name`);
  return { schema: match[1], table: match[2]! };
}

/** `rebuild_polls_catalog_1718000000000`: a plain identifier, unique per run, recognisable as leftover. */
export function shadowSchemaName(projection: string, now = Date.now()): string {
  return `${shadowPrefix(projection)}${now}`;
}

const shadowPrefix = (projection: string) => `rebuild_${projection.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_`;

/**
 * DDL text PostgreSQL itself produced (pg_get_indexdef, pg_get_constraintdef) as a fragment.
 * slonik takes only template literals, on purpose; this is the one place that needs text it
 * cannot bind, and the text comes from the catalog, never from input.
 */
function catalogDdl(text: string) {
  const parts = Object.freeze(Object.assign([text], { raw: Object.freeze([text]) }));
  return sql.fragment(parts as unknown as TemplateStringsArray);
}

const indexRow = z.object({ name: z.string(), definition: z.string(), constraint_def: z.string().nullable(), unique: z.boolean() });

/** Neither constraint-backed nor unique: nothing the replay's `ON CONFLICT` leans on. */
const isSecondary = (index: z.infer<typeof indexRow>) => index.constraint_def === null && !index.unique;

/** What a table's indexes are: constraint-backed ones (pk, unique, exclude) with their definition, and the rest. */
async function indexesOf(db: CommonQueryMethods, { schema, table }: TableName) {
  return db.any(sql.type(indexRow)`
    SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
           pg_get_constraintdef(c.oid) AS constraint_def, i.indisunique AS unique
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = t.oid
    WHERE n.nspname = ${schema} AND t.relname = ${table}
    ORDER BY ic.relname`);
}

/** `CREATE INDEX x ON read.t USING ...` → the same on `<shadow>.t`. */
function retarget(definition: string, from: TableName, toSchema: string): string {
  const live = ` ON ${from.schema}.${from.table} `;
  const at = definition.indexOf(live);
  if (at < 0) throw new Error(`unexpected index definition: ${definition}`);
  return `${definition.slice(0, at)} ON ${toSchema}.${from.table} ${definition.slice(at + live.length)}`;
}

/**
 * Returns the live tables' secondary (non-unique, not constraint-backed) indexes retargeted at
 * the shadow tables, left for `createSecondaryIndexes` once the bulk of the log is in.
 */
export async function createShadow(db: CommonQueryMethods, schema: string, tables: readonly TableName[]): Promise<string[]> {
  await db.query(sql.unsafe`CREATE SCHEMA ${sql.identifier([schema])}`);
  const secondary: string[] = [];
  for (const live of tables) {
    const liveId = sql.identifier([live.schema, live.table]);
    const shadowId = sql.identifier([schema, live.table]);
    // Columns, defaults, generated columns, CHECKs, NOT NULLs, storage, comments; no indexes yet.
    await db.query(sql.unsafe`CREATE TABLE ${shadowId} (LIKE ${liveId} INCLUDING ALL EXCLUDING INDEXES)`);
    for (const index of await indexesOf(db, live)) {
      if (index.constraint_def !== null) {
        await db.query(sql.unsafe`ALTER TABLE ${shadowId} ADD CONSTRAINT ${sql.identifier([index.name])} ${catalogDdl(index.constraint_def)}`);
      } else if (isSecondary(index)) {
        secondary.push(retarget(index.definition, live, schema));
      } else {
        await db.query(sql.unsafe`${catalogDdl(retarget(index.definition, live, schema))}`);
      }
    }
  }
  return secondary;
}

/** The secondary indexes `createShadow` left out, built on the filled shadow tables. */
export async function createSecondaryIndexes(db: CommonQueryMethods, definitions: readonly string[]): Promise<void> {
  for (const definition of definitions) await db.query(sql.unsafe`${catalogDdl(definition)}`);
}

/** Fresh statistics before readers switch over: an unanalysed table gets guessed plans. */
export async function analyzeShadow(db: CommonQueryMethods, schema: string, tables: readonly TableName[]): Promise<void> {
  for (const { table } of tables) await db.query(sql.unsafe`ANALYZE ${sql.identifier([schema, table])}`);
}

export async function dropShadow(db: CommonQueryMethods, schema: string): Promise<void> {
  await db.query(sql.unsafe`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
}

/** Shadow schemas a crashed or killed rebuild of this projection left behind (call under the rebuild lock). */
export async function dropLeftoverShadows(db: CommonQueryMethods, projection: string): Promise<string[]> {
  const pattern = `^${shadowPrefix(projection)}[0-9]+$`;
  const leftovers = await db.anyFirst(sql.type(z.object({ nspname: z.string() }))`
    SELECT nspname FROM pg_namespace WHERE nspname ~ ${pattern}`);
  for (const schema of leftovers) await dropShadow(db, schema);
  return [...leftovers];
}
