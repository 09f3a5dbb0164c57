import { sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { prepared } from '../../src/db/prepared.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * Named prepared statements on the projections' and the vote-token lookup's hot statements:
 * planned once per connection, and still aimed at the tables the transaction's search_path names
 * (a rebuild fills shadow copies through the same statement text as the live run).
 */
let db: TestDatabase;
let pool: DatabasePool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = await createSqlPool(db.url, { maximumPoolSize: 1 });
  for (const schema of ['live_copy', 'shadow_copy']) {
    await pool.query(sql.unsafe`CREATE SCHEMA ${sql.identifier([schema])}`);
    await pool.query(sql.unsafe`CREATE TABLE ${sql.identifier([schema, 'tally'])} (n int)`);
  }
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const insertInto = (schema: string, n: number) =>
  pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT set_config('search_path', ${`${schema}, public`}, true)`);
    await tx.query(prepared(sql.unsafe`INSERT INTO tally (n) SELECT ${n}::int`));
  });

describe('prepared', () => {
  it('names a statement after its text: the same text the same name, another text another name', () => {
    const a = prepared(sql.unsafe`SELECT ${1}::int`);
    expect(a.name).toMatch(/^pollster-[\w-]{22}$/);
    expect(prepared(sql.unsafe`SELECT ${2}::int`).name).toBe(a.name);
    expect(prepared(sql.unsafe`SELECT ${1}::bigint`).name).not.toBe(a.name);
  });

  it('is parsed once per connection and executed by name after that', async () => {
    const query = (n: number) => prepared(sql.type(z.object({ n: z.number() }))`SELECT ${n}::int + 1 AS n`);
    const results = [];
    for (const n of [1, 2, 3]) results.push(await pool.oneFirst(query(n)));
    expect(results).toEqual([2, 3, 4]);
    const name = query(0).name!;
    const statements = await pool.any(sql.type(z.object({ name: z.string(), runs: z.number() }))`
      SELECT name, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements WHERE name = ${name}`);
    expect(statements).toEqual([{ name, runs: 3 }]);
  });

  it('writes into the tables of the search_path each transaction sets, not those it was first planned for', async () => {
    await insertInto('live_copy', 1);
    await insertInto('shadow_copy', 2);
    await insertInto('live_copy', 3);
    await insertInto('shadow_copy', 4);
    const rows = (schema: string) => pool.anyFirst(sql.type(z.object({ n: z.number() }))`SELECT n FROM ${sql.identifier([schema, 'tally'])} ORDER BY n`);
    expect(await rows('live_copy')).toEqual([1, 3]);
    expect(await rows('shadow_copy')).toEqual([2, 4]);
  });
});
