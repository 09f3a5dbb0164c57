import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { explainConnectionError } from './pool-errors.ts';

/**
 * Versioned, idempotent SQL migrations: `migrations/NNN_name.sql`, applied in order, each in its
 * own transaction, recorded in `schema_migrations` with a checksum so an edited migration that
 * already ran is reported instead of silently skipped. An advisory lock makes concurrent starts
 * (two processes, parallel tests) apply each migration once.
 */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const LOCK_KEY = 7_261_530_001; // arbitrary, constant: "pollster migrations"

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(new URL(file, `file://${dir}/`), 'utf8');
      const [, version = '', name = ''] = /^(\d+)_(.+)\.sql$/.exec(file) ?? [];
      return { version: Number(version), name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface MigrateReport {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(databaseUrl: string, log: (line: string) => void = () => {}): Promise<MigrateReport> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'pollster-migrate' });
  // The first connection a process makes: where a full server shows first.
  await client.connect().catch((error: unknown) => {
    throw explainConnectionError(error, { name: 'migrations connection', size: 1 });
  });
  try {
    const migrations = await loadMigrations();
    // Every process start gets here (each worker, each API node, a worker restarted after a
    // crash), and nearly always nothing is pending: one read says so, without queueing for the
    // lock behind another starter or re-running CREATE TABLE.
    if (await allApplied(client, migrations)) return { applied: [], alreadyApplied: migrations.length };
    return await migrateLocked(client, migrations, log);
  } finally {
    await client.end();
  }
}

async function migrateLocked(client: pg.Client, migrations: readonly Migration[], log: (line: string) => void): Promise<MigrateReport> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map<number, string>(
      (await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations')).rows.map(
        (r) => [r.version, r.checksum],
      ),
    );
    const report: MigrateReport = { applied: [], alreadyApplied: 0 };
    for (const m of migrations) {
      const seen = done.get(m.version);
      if (seen !== undefined) {
        if (seen !== m.checksum) throw new Error(`migration ${m.version}_${m.name} changed after it was applied`);
        report.alreadyApplied++;
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      report.applied.push(`${m.version}_${m.name}`);
      log(`applied migration ${m.version}_${m.name}`);
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
  }
}

/** True when every migration is recorded with its checksum; anything else takes the locked path (which reports a changed one). */
async function allApplied(client: pg.Client, migrations: readonly Migration[]): Promise<boolean> {
  let rows: Array<{ version: number; checksum: string }>;
  try {
    ({ rows } = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations'));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return false; // undefined_table: a new database
    throw error;
  }
  const done = new Map(rows.map((r) => [r.version, r.checksum]));
  return migrations.every((m) => done.get(m.version) === m.checksum);
}
