import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres.ts';
import { migrate } from '../../src/db/migrate.ts';
import { freePort } from '../process/pollster-process.ts';


async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL (the embedded default)', () => {
  let dataDir: string;
  let port: number;
  let first: EmbeddedDatabase | undefined;

  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'pollster-embedded-')), 'data');
    // Run as root, PostgreSQL runs as the `postgres` user, which must be able to reach the folder.
    await chmod(join(dataDir, '..'), 0o755);
    port = await freePort();
  });

  afterAll(async () => {
    await first?.stop();
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('creates a cluster in the data folder, and migrations give it the event log', async () => {
    first = await startEmbeddedPostgres({ dataDir, port, log: () => {} });
    await migrate(first.url);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    const tables = await query<{ tablename: string }>(first.url, "SELECT tablename FROM pg_tables WHERE tablename = 'events'");
    expect(tables).toEqual([{ tablename: 'events' }]);
  });

  it('refuses a second process on the same folder with a clear message, without touching it', async () => {
    await expect(lockDataDir(dataDir)).rejects.toThrow(DataDirInUseError);
    await expect(lockDataDir(dataDir)).rejects.toThrow(/another Pollster process \(pid \d+\) is using the data folder/);
  });

  it('reuses the data on the next start', async () => {
    await first!.stop();
    first = await startEmbeddedPostgres({ dataDir, port, log: () => {} });
    const report = await migrate(first.url);
    expect(report.applied).toEqual([]);
    expect(await query(first.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
  });
});

describe('an embedded cluster whose first start was cut short', () => {
  it('creates the application database on the next start when it is missing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pollster-embedded-'));
    await chmod(root, 0o755);
    const dataDir = join(root, 'data');
    try {
      let db = await startEmbeddedPostgres({ dataDir, log: () => {} });
      // As a start killed between initdb and CREATE DATABASE left it.
      await query(db.url.replace(/\/pollster$/, '/postgres'), 'DROP DATABASE pollster');
      await db.stop();
      db = await startEmbeddedPostgres({ dataDir, log: () => {} });
      try {
        expect((await migrate(db.url)).applied.length).toBeGreaterThan(0);
      } finally {
        await db.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the embedded server settings', () => {
  it('ends sessions left idle in a transaction (they would hold back every reader of the log)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pollster-embedded-'));
    await chmod(root, 0o755);
    try {
      const db = await startEmbeddedPostgres({ dataDir: join(root, 'data'), log: () => {} });
      try {
        expect(await query(db.url, 'SHOW idle_in_transaction_session_timeout')).toEqual([{ idle_in_transaction_session_timeout: '20s' }]);
      } finally {
        await db.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
