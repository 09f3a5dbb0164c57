import { sql, type CommonQueryMethods, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { RecordedEvent } from '../../event-store/port.ts';
import { setSearchPath, useSchema } from './search-path.ts';
import { prepared } from '../../db/prepared.ts';

/**
 * The SQL of `projection_checkpoints` and `parked_events` (migrations/006_projection_runtime.sql).
 * Checkpoint writes happen only inside the transaction that applies the events they count.
 */
const positionRow = z.object({ position: z.bigint() });
const namedPositionRow = z.object({ name: z.string(), position: z.bigint() });

/** The committed checkpoint, creating the row at 0 for a projection seen for the first time. */
export async function ensureCheckpoint(db: CommonQueryMethods, name: string): Promise<bigint> {
  await db.query(sql.unsafe`INSERT INTO projection_checkpoints (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`);
  return readCheckpoint(db, name);
}

export async function readCheckpoint(db: CommonQueryMethods, name: string): Promise<bigint> {
  const row = await db.maybeOne(sql.type(positionRow)`SELECT position FROM projection_checkpoints WHERE name = ${name}`);
  return row?.position ?? 0n;
}

/**
 * Locks the checkpoint row for the rest of the transaction and returns it. Two runners of one
 * projection (a deploy overlap, before leases exist) then take turns, and each skips what the
 * other already applied instead of applying it twice.
 */
export async function lockCheckpoint(tx: DatabaseTransactionConnection, name: string): Promise<bigint> {
  const row = await tx.maybeOne(
    sql.type(positionRow)`SELECT position FROM projection_checkpoints WHERE name = ${name} FOR UPDATE`,
  );
  if (row) return row.position;
  // Reset or never started: create it; a concurrent creator makes this insert wait, then re-read.
  await tx.query(sql.unsafe`INSERT INTO projection_checkpoints (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`);
  return tx.oneFirst(sql.type(positionRow)`SELECT position FROM projection_checkpoints WHERE name = ${name} FOR UPDATE`);
}

/**
 * `useSchema(tx)`, then lock the checkpoints of the projections applied in this transaction and
 * move them to `through`, in one round trip before the handlers run: safe, as a failing handler
 * takes the moves back with its rows. Returns each checkpoint as it was, in the order of `names`.
 * Rows are locked in name order, so two runners of the same projections cannot deadlock.
 */
export async function useSchemaAndAdvanceCheckpoints(tx: DatabaseTransactionConnection, names: readonly string[], through: bigint): Promise<bigint[]> {
  // `s` and `c` both yield a row whenever a checkpoint exists, so set_config has run; the
  // data-modifying CTE runs whether or not it is referenced, after `old` has locked the rows.
  const rows = await tx.any(prepared(sql.type(namedPositionRow)`
    WITH old AS (
      SELECT c.name, c.position FROM (SELECT ${setSearchPath()}) s, projection_checkpoints c
       WHERE c.name = ANY(${sql.array([...names], 'text')}) ORDER BY c.name FOR UPDATE OF c
    ), moved AS (
      UPDATE projection_checkpoints c SET position = ${through}, updated_at = now()
        FROM old WHERE c.name = old.name AND old.position < ${through}
    )
    SELECT name, position FROM old`));
  const found = new Map(rows.map((r) => [r.name, r.position]));
  const missing = names.filter((name) => !found.has(name));
  // Reset or never started: create the row, then move it.
  if (missing.length > 0) await useSchema(tx);
  for (const name of missing) {
    found.set(name, await lockCheckpoint(tx, name));
    await saveCheckpoint(tx, name, through);
  }
  return names.map((name) => found.get(name)!);
}

/** Moves the checkpoint forward only; call after `lockCheckpoint` in the same transaction. */
export async function saveCheckpoint(tx: DatabaseTransactionConnection, name: string, position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE projection_checkpoints SET position = ${position}, updated_at = now()
    WHERE name = ${name} AND position < ${position}`);
}

export async function insertParked(
  tx: DatabaseTransactionConnection,
  name: string,
  event: RecordedEvent,
  error: unknown,
): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO parked_events (projection, position, event_id, stream, type, error)
    VALUES (${name}, ${event.position}, ${event.id}, ${event.stream}, ${event.type}, ${describeError(error)})
    ON CONFLICT (projection, position) DO NOTHING`);
}

/** Message plus the causes' messages: what an operator needs to fix a parked event. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join(' <- ').slice(0, 4000);
}
