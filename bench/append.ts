import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/commands/event-store/postgres/pool.ts';
import { PostgresEventStore } from '../src/commands/event-store/postgres/postgres-event-store.ts';

/**
 * Append throughput of the postgres event store against its honest baseline, in one fresh
 * throwaway database: (a) one autocommit single-row INSERT per event from 64 clients (what a
 * naive store does), (b) our group-committing adapter, one `no_stream` event per distinct ballot
 * stream, (c) the same into 8 hot streams with expected revision 'any'. synchronous_commit stays
 * ON in every variant: each reported event is durable. Usage: node bench/append.ts [--events N]
 * [--concurrency C] [--flushers F].
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(args[i + 1]);
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function payload(i: number) {
  return {
    type: 'BallotCast',
    data: { pollId: 'bench', voterKey: `u.${i}`, choices: ['opt-1', 'opt-3'], castAt: new Date().toISOString() },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: `user:${i}` },
  };
}

interface Figures {
  name: string;
  events: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs `op(i)` for i in [0, n) from `concurrency` workers; per-op latency in ms. */
async function run(name: string, n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Figures> {
  const latencies = new Float64Array(n);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await op(i);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const at = (q: number) => latencies[Math.min(n - 1, Math.floor(q * n))] ?? 0;
  return { name, events: n, seconds, p50: at(0.5), p99: at(0.99) };
}

function print(f: Figures): void {
  const rate = Math.round(f.events / f.seconds);
  console.log(
    `${f.name.padEnd(44)} ${String(rate).padStart(7)} events/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   (${f.events} in ${f.seconds.toFixed(1)} s)`,
  );
}

export async function main(args: string[]): Promise<void> {
  const n = flag(args, 'events', 30_000); // ~10-20 s for all three on a 2-core box
  const concurrency = flag(args, 'concurrency', 64);
  const flushers = flag(args, 'flushers', 2);
  const base = process.env.DATABASE_URL ?? DEFAULT_URL;
  const name = `pollster_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    await migrate(url.toString());
    const raw = createPool({ connectionString: url.toString(), max: concurrency });
    const { rows } = await raw.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    await raw.pool.query('CREATE TABLE raw_events (LIKE events INCLUDING ALL)'); // same columns, keys and indexes
    console.log(
      `cpus ${cpus().length}, events per variant ${n}, concurrency ${concurrency}, flushers ${flushers}, synchronous_commit ${rows[0]?.synchronous_commit}, database ${name}`,
    );

    const insert = `INSERT INTO raw_events (position, id, stream, category, revision, type, data, metadata)
      VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, $1, $2, 'ballot', 0, $3, $4, $5)`;
    const rawOne = (i: number) => {
      const p = payload(i);
      return raw.pool.query({ name: 'bench-raw', text: insert, values: [randomUUID(), `ballot-bench-${i}`, p.type, p.data, p.metadata] });
    };
    await run('warm-up', 500, concurrency, (i) => rawOne(n + i));
    const a = await run('(a) raw INSERT, autocommit per event', n, concurrency, rawOne);
    print(a);
    await raw.end();

    const store = new PostgresEventStore({ connectionString: url.toString(), flushers });
    const append = (stream: string, i: number, expected: 'no_stream' | 'any') =>
      store.append(stream, [{ id: randomUUID(), ...payload(i) }], expected);
    await run('warm-up', 500, concurrency, (i) => append(`ballot-warm-${i}`, i, 'no_stream'));
    const b = await run('(b) adapter, no_stream, distinct streams', n, concurrency, (i) => append(`ballot-bench-${i}`, i, 'no_stream'));
    print(b);
    const c = await run("(c) adapter, 'any', 8 hot streams", n, concurrency, (i) => append(`poll-hot${i % 8}`, i, 'any'));
    print(c);
    await store.close();
    console.log(`ratio b/a ${(a.seconds / b.seconds).toFixed(2)}   ratio c/a ${(a.seconds / c.seconds).toFixed(2)}`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
