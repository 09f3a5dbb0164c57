import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createPool } from '../src/event-store/postgres/pool.ts';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.ts';
import { formatFigures, numberFlag, runConcurrent, runInterleaved, throwawayDatabase } from './support/measure.ts';

/**
 * Append throughput of the postgres event store against its honest baseline, in one fresh
 * throwaway database: (a) one autocommit single-row INSERT per event from 64 clients (what a
 * naive store does), (b) our group-committing adapter, one `no_stream` event per distinct ballot
 * stream, (c) the same into 8 hot streams with expected revision 'any'. synchronous_commit stays
 * ON in every variant: each reported event is durable. The three take turns in `--rounds`
 * slices, so the host's speed drifting during the run cannot favour one of them. Usage:
 * node bench/append.ts [--events N] [--concurrency C] [--flushers F] [--rounds R].
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function payload(i: number) {
  return {
    type: 'BallotCast',
    data: { pollId: 'bench', voterKey: `u.${i}`, choices: ['opt-1', 'opt-3'], castAt: new Date().toISOString() },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: `user:${i}` },
  };
}

export async function main(args: string[]): Promise<void> {
  const n = numberFlag(args, 'events', 30_000); // ~10-20 s for all three on a 2-core box
  const concurrency = numberFlag(args, 'concurrency', 64);
  const flushers = numberFlag(args, 'flushers', 2);
  const rounds = Math.max(1, numberFlag(args, 'rounds', 3));
  const db = await throwawayDatabase(process.env.DATABASE_URL ?? DEFAULT_URL, 'pollster_bench');
  try {
    const raw = createPool({ connectionString: db.url, max: concurrency });
    const { rows } = await raw.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    await raw.pool.query('CREATE TABLE raw_events (LIKE events INCLUDING ALL)'); // same columns, keys and indexes
    console.log(
      `cpus ${cpus().length}, events per variant ${n} in ${rounds} rounds, concurrency ${concurrency}, flushers ${flushers}, synchronous_commit ${rows[0]?.synchronous_commit}, database ${db.name}`,
    );

    const insert = `INSERT INTO raw_events (position, id, stream, category, revision, type, data, metadata)
      VALUES ((pg_current_xact_id()::text::bigint << 20) + 1, $1, $2, 'ballot', 0, $3, $4, $5)`;
    const rawOne = (i: number) => {
      const p = payload(i);
      return raw.pool.query({ name: 'bench-raw', text: insert, values: [randomUUID(), `ballot-bench-${i}`, p.type, p.data, p.metadata] });
    };
    const store = new PostgresEventStore({ connectionString: db.url, flushers });
    const append = (stream: string, i: number, expected: 'no_stream' | 'any') =>
      store.append(stream, [{ id: randomUUID(), ...payload(i) }], expected);
    await runConcurrent('warm-up', 500, concurrency, (i) => rawOne(n + i));
    await runConcurrent('warm-up', 500, concurrency, (i) => append(`ballot-warm-${i}`, i, 'no_stream'));

    const [a, b, c] = await runInterleaved(
      [
        { name: '(a) raw INSERT, autocommit per event', op: rawOne },
        { name: '(b) adapter, no_stream, distinct streams', op: (i) => append(`ballot-bench-${i}`, i, 'no_stream') },
        { name: "(c) adapter, 'any', 8 hot streams", op: (i) => append(`poll-hot${i % 8}`, i, 'any') },
      ],
      n,
      concurrency,
      rounds,
    );
    for (const figures of [a, b, c]) console.log(formatFigures(figures!, 'events'));
    await Promise.all([store.close(), raw.end()]);
    console.log(`ratio b/a ${(a!.seconds / b!.seconds).toFixed(2)}   ratio c/a ${(a!.seconds / c!.seconds).toFixed(2)}`);
  } finally {
    await db.drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
