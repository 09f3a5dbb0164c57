import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { EventStore, RecordedEvent } from '../../event-store/port.ts';
import { describeError, lockCheckpoint } from './checkpoints.ts';
import type { PostgresProjection } from './projection.ts';
import { useSchema } from './search-path.ts';

/**
 * The operator's side of parked events (`pollster projections parked` / `replay-parked`): list
 * them, and once the cause is fixed (a deploy with a handler that copes), apply them again
 * through the projection's handler, one transaction each, in position order.
 */
export interface ParkedEvent {
  /** Checkpoint name it was parked under: `results`, or `results#2/4` for a partition. */
  projection: string;
  position: bigint;
  eventId: string;
  stream: string;
  type: string;
  error: string;
  parkedAt: Date;
}

const parkedRow = z.object({
  projection: z.string(),
  position: z.bigint(),
  event_id: z.string(),
  stream: z.string(),
  type: z.string(),
  error: z.string(),
  parked_at: z.coerce.date(),
});

/** The projection a checkpoint name belongs to: `results#2/4` → `results`. */
export const projectionOfCheckpoint = (checkpoint: string): string => checkpoint.split('#')[0]!;

/** Parked events in position order; `projection` keeps that projection's (partitions included). */
export async function listParked(db: DatabasePool, projection?: string): Promise<ParkedEvent[]> {
  const filter = projection === undefined
    ? sql.fragment`true`
    : sql.fragment`(projection = ${projection} OR left(projection, ${projection.length + 1}) = ${`${projection}#`})`;
  const rows = await db.any(sql.type(parkedRow)`
    SELECT projection, position, event_id::text AS event_id, stream, type, error, parked_at
    FROM parked_events WHERE ${filter} ORDER BY position, projection`);
  return rows.map((r) => ({
    projection: r.projection, position: r.position, eventId: r.event_id, stream: r.stream, type: r.type, error: r.error, parkedAt: r.parked_at,
  }));
}

export interface ReplayOutcome {
  parked: ParkedEvent;
  /** Applied and the parked row deleted. */
  replayed: boolean;
  /** Why not (the row stays parked). */
  error?: string;
}

export interface ReplayParkedOptions {
  sql: DatabasePool;
  store: EventStore;
  projections: readonly PostgresProjection[];
  projection?: string;
}

export async function replayParked(options: ReplayParkedOptions): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const parked of await listParked(options.sql, options.projection)) {
    const projection = options.projections.find((p) => p.name === projectionOfCheckpoint(parked.projection));
    try {
      if (!projection) throw new Error(`no projection named ${projectionOfCheckpoint(parked.projection)} in this program`);
      const event = await findEvent(options.store, parked, projection.categories);
      await options.sql.transaction(async (tx) => {
        await useSchema(tx);
        // Taking turns with the live runner of that checkpoint, as its own transactions do.
        await lockCheckpoint(tx, parked.projection);
        await projection.handle([event], tx);
        await tx.query(sql.unsafe`DELETE FROM parked_events WHERE projection = ${parked.projection} AND position = ${parked.position}`);
      });
      outcomes.push({ parked, replayed: true });
    } catch (error) {
      outcomes.push({ parked, replayed: false, error: describeError(error) });
    }
  }
  return outcomes;
}

/** The parked event itself, read back from the log (parked rows keep only its coordinates). */
async function findEvent(store: EventStore, parked: ParkedEvent, categories: readonly string[]): Promise<RecordedEvent> {
  const { events } = await store.readAll({ from: parked.position - 1n, limit: 1, categories });
  const event = events[0];
  if (event === undefined || event.position !== parked.position || event.id !== parked.eventId) {
    throw new Error(`event ${parked.eventId} at position ${parked.position} is not in the log`);
  }
  return event;
}
