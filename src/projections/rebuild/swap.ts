import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { insertParked } from '../runner/checkpoints.ts';
import type { PostgresProjection } from '../runner/projection.ts';
import { useSchema } from '../runner/search-path.ts';
import { type ParkedInRebuild, applyWithin } from './shadow-apply.ts';
import type { TableName } from './shadow.ts';

/**
 * The swap: ONE short transaction that makes the shadow tables the live ones.
 *
 * 1. Lock every checkpoint row of the projection (`name` and its partitions `name#i/N`). A live
 *    runner locks its row first in each transaction, so from here no runner commits, and the one
 *    in flight (if any) has committed before we get the lock.
 * 2. Apply the events between the shadow's position and the furthest checkpoint to the shadow.
 * 3. Lock the live tables (in the projection's declared order, the order readers lock them) and
 *    replace each: drop it, move the shadow table into `read`. A reader blocked on the lock
 *    re-resolves the name after commit and reads the new table: no reader sees an empty table.
 * 4. Move every checkpoint row to that furthest position. A partition runner that was behind
 *    skips what the new tables already hold (it filters by the locked checkpoint), instead of a
 *    deleted row sending it back to position 0 at its next start.
 * 5. Replace the projection's parked events with the ones the rebuild could not apply.
 *
 * Dropping the live table before moving the shadow one in (rather than renaming it aside first)
 * is what lets indexes and constraints keep their names: both are unique per schema.
 */
export interface SwapInput {
  sql: DatabasePool;
  store: EventStore;
  projection: PostgresProjection;
  schema: string;
  tables: readonly TableName[];
  from: bigint;
  /** Events parked during the replay (kept if the swap is retried). */
  parked: readonly ParkedInRebuild[];
}

export interface SwapOutcome {
  checkpoint: bigint;
  applied: number;
  parked: ParkedInRebuild[];
  /** Checkpoint rows moved (`results`, or `results#0/4` ...). */
  checkpoints: string[];
}

const checkpointRow = z.object({ name: z.string(), position: z.bigint() });

export async function swapIn(input: SwapInput): Promise<SwapOutcome> {
  const { projection, schema, tables, store } = input;
  const { name } = projection;
  return input.sql.transaction(async (tx) => {
    // Wait briefly, then give up and retry: a long wait here would queue every reader behind us.
    // The short deadlock_timeout makes this transaction, not a reader, the one a deadlock aborts.
    await tx.query(sql.unsafe`SET LOCAL lock_timeout = '5s'`);
    await tx.query(sql.unsafe`SET LOCAL deadlock_timeout = '50ms'`);
    const rows = await tx.any(sql.type(checkpointRow)`
      SELECT name, position FROM projection_checkpoints
      WHERE name = ${name} OR left(name, ${name.length + 1}) = ${`${name}#`}
      ORDER BY name FOR UPDATE`);
    const target = rows.reduce((max, r) => (r.position > max ? r.position : max), input.from);

    await useSchema(tx, schema);
    const delta = await readRange(store, projection.categories, input.from, target);
    const parked = [...input.parked];
    await applyWithin(tx, projection, delta, parked);

    const live = tables.map((t) => sql.identifier([t.schema, t.table]));
    await tx.query(sql.unsafe`LOCK TABLE ${sql.join(live, sql.fragment`, `)} IN ACCESS EXCLUSIVE MODE`);
    for (const t of tables) {
      await tx.query(sql.unsafe`DROP TABLE ${sql.identifier([t.schema, t.table])}`);
      await tx.query(sql.unsafe`ALTER TABLE ${sql.identifier([schema, t.table])} SET SCHEMA ${sql.identifier([t.schema])}`);
    }
    await tx.query(sql.unsafe`DROP SCHEMA ${sql.identifier([schema])}`); // empty now: RESTRICT proves it

    const names = rows.length > 0 ? rows.map((r) => r.name) : [name];
    await moveCheckpoints(tx, names, target);
    await tx.query(sql.unsafe`
      DELETE FROM parked_events WHERE projection = ${name} OR left(projection, ${name.length + 1}) = ${`${name}#`}`);
    for (const p of parked) await insertParked(tx, name, p.event, p.error);
    return { checkpoint: target, applied: delta.length, parked, checkpoints: names };
  });
}

async function moveCheckpoints(tx: DatabaseTransactionConnection, names: readonly string[], position: bigint): Promise<void> {
  for (const n of names) {
    await tx.query(sql.unsafe`
      INSERT INTO projection_checkpoints (name, position) VALUES (${n}, ${position})
      ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`);
  }
}

/** The projection's events in (from, to], page by page (the log is complete through `to`: a runner already read it). */
async function readRange(store: EventStore, categories: readonly string[], from: bigint, to: bigint): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let at = from; at < to; ) {
    const page = await store.readAll({ from: at, limit: 5_000, categories });
    for (const event of page.events) if (event.position <= to) out.push(event);
    if (page.events.length === 0 || page.next <= at) break;
    at = page.next;
  }
  return out;
}
