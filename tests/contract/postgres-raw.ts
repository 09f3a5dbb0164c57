import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { categoryOf } from '../../src/event-store/port.ts';

/**
 * Postgres-only test tools: a writer that holds its transaction open as long as the test wants
 * (the group-commit store never does), and the naive `$all` reader that the xmin horizon fixes.
 */

export interface RawTransaction {
  /** This transaction's id, taken at BEGIN: positions are (txid << 20) + ordinal. */
  txid: bigint;
  insert(stream: string, revision: bigint, id?: string): Promise<{ id: string; position: bigint }>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** BEGIN and take a transaction id at once, so that later transactions get higher ids. */
export async function beginRaw(client: pg.ClientBase): Promise<RawTransaction> {
  await client.query('BEGIN');
  const { rows } = await client.query<{ txid: string }>('SELECT pg_current_xact_id()::text AS txid');
  let ordinal = 0;
  return {
    txid: BigInt(rows[0]!.txid),
    async insert(stream, revision, id = randomUUID()) {
      ordinal++;
      const r = await client.query<{ position: string }>(
        `INSERT INTO events (position, id, stream, category, revision, type, data, metadata)
         VALUES ((pg_current_xact_id()::text::bigint << 20) + $1, $2, $3, $4, $5, 'RawWritten', '{}', '{}')
         RETURNING position`,
        [ordinal, id, stream, categoryOf(stream), String(revision)],
      );
      return { id, position: BigInt(r.rows[0]!.position) };
    },
    async commit() {
      await client.query('COMMIT');
    },
    async rollback() {
      await client.query('ROLLBACK');
    },
  };
}

export interface Seen {
  id: string;
  position: bigint;
}

/** WRONG on purpose: reads `$all` by position alone, without the horizon of the oldest open transaction. */
export async function naiveReadAll(pool: pg.Pool, from: bigint, limit: number, category: string): Promise<Seen[]> {
  const { rows } = await pool.query<{ id: string; position: string }>(
    'SELECT id, position FROM events WHERE category = $1 AND position > $2 ORDER BY position LIMIT $3',
    [category, String(from), limit],
  );
  return rows.map((r) => ({ id: r.id, position: BigInt(r.position) }));
}

/**
 * The tail scenario: 16 raw writers, each committing `perWriter` one-event transactions that take
 * their transaction id first and then stay open 0-30 ms, so commits come out of txid order; plus
 * one writer that takes its id first and commits only once the reader has seen a later
 * transaction's event (or after `stallMs`), which makes at least one out-of-order commit certain.
 * `seen()` reports what the reader under test has delivered so far.
 */
export async function runRawWriters(
  pool: pg.Pool,
  category: string,
  seen: () => readonly Seen[],
  { writers = 16, perWriter = 15, stallMs = 400 } = {},
): Promise<string[]> {
  const committed: string[] = [];
  const slowClient = await pool.connect();
  const slow = await beginRaw(slowClient);
  const slowDone = (async () => {
    const deadline = Date.now() + stallMs;
    while (Date.now() < deadline && !seen().some((e) => e.position >> 20n > slow.txid)) await new Promise((r) => setTimeout(r, 2));
    const { id } = await slow.insert(`${category}-slow`, 0n);
    await slow.commit();
    committed.push(id);
    slowClient.release();
  })();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const client = await pool.connect();
      try {
        for (let i = 0; i < perWriter; i++) {
          const tx = await beginRaw(client);
          await new Promise((r) => setTimeout(r, Math.random() * 30));
          const { id } = await tx.insert(`${category}-w${w}`, BigInt(i));
          await tx.commit();
          committed.push(id);
        }
      } finally {
        client.release();
      }
    }),
  );
  await slowDone;
  return committed;
}
