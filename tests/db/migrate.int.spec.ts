import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase(); // migrated once already
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('migrate on a database that is up to date', () => {
  it('applies nothing and counts every migration as applied', async () => {
    const all = await loadMigrations();
    expect(await migrate(db.url)).toEqual({ applied: [], alreadyApplied: all.length });
  });

  it('still refuses a migration edited after it was applied', async () => {
    const [first] = await loadMigrations();
    await client.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = $1`, [first!.version]);
    try {
      await expect(migrate(db.url)).rejects.toThrow(`migration ${first!.version}_${first!.name} changed after it was applied`);
    } finally {
      await client.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1', [first!.version, first!.checksum]);
    }
  });
});
