import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.ts';
import { runImport } from '../src/commands/users/import/run-import.ts';
import { migrate } from '../src/db/migrate.ts';
import { createSqlPool } from '../src/db/slonik.ts';
import { numberFlag } from './support/measure.ts';

/**
 * Bulk user import (the code behind POST /api/admin/users/import and `pollster users import`):
 * writes an N-row CSV to a temp folder and imports it into a fresh throwaway database, then
 * imports it again (every row skipped). Rows have no password, so each gets a setup token
 * (sha256); `--passwords K` gives every K-th row a password instead, which costs one scrypt.
 * Reports rows/s and the process's peak RSS, which stays flat however large N is.
 * Usage: node bench/import.ts [--rows 100000] [--concurrency 32] [--passwords 0]
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function writeCsv(file: string, rows: number, passwordEvery: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,displayName,password\n');
  for (let i = 0; i < rows; i++) {
    const password = passwordEvery > 0 && i % passwordEvery === 0 ? `bench password ${i}` : '';
    if (!out.write(`user${i}@bench.example.org,Bench User ${i},${password}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

export async function main(args: string[]): Promise<void> {
  const rows = numberFlag(args, 'rows', 100_000);
  const concurrency = numberFlag(args, 'concurrency', 32);
  const passwordEvery = numberFlag(args, 'passwords', 0);
  const base = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_URL;
  const name = `pollster_bench_import_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(join(tmpdir(), 'pollster-bench-import-'));
  try {
    await migrate(url.toString());
    const file = join(dir, 'users.csv');
    await writeCsv(file, rows, passwordEvery);
    console.log(`${rows} rows, ${((await stat(file)).size / 1e6).toFixed(1)} MB CSV, concurrency ${concurrency}` +
      (passwordEvery ? `, every ${passwordEvery}th row with a password (scrypt)` : ', no passwords (setup tokens)'));
    const store = new PostgresEventStore({ connectionString: url.toString() });
    const sql = await createSqlPool(url.toString(), { maximumPoolSize: concurrency + 2 });
    let tokens = 0;
    let peakRss = 0;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    try {
      for (const pass of ['first import', 're-import (all skipped)']) {
        const started = performance.now();
        const summary = await runImport({ store, sql, now: () => new Date(), newId: randomUUID }, createReadStream(file), {
          format: 'csv',
          concurrency,
          context: { actor: 'system', correlationId: randomUUID() },
          sink: { setupToken: async () => void tokens++ },
        });
        const seconds = (performance.now() - started) / 1000;
        console.log(`  ${pass.padEnd(24)} ${seconds.toFixed(1).padStart(6)} s  ${Math.round(summary.processed / seconds).toString().padStart(6)} rows/s  ` +
          `imported ${summary.imported}  skipped ${summary.skipped}  failed ${summary.failed}`);
      }
    } finally {
      clearInterval(sample);
      await store.close();
      await sql.end();
    }
    console.log(`  setup tokens ${tokens}; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
