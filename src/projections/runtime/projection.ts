import type { DatabaseTransactionConnection } from 'slonik';
import type { RecordedEvent } from '../../commands/event-store/port.ts';

/**
 * A projection into PostgreSQL: a name (its checkpoint key), the stream categories it reads, and
 * a handler that applies a batch of events inside the runner's transaction. The runner commits
 * the handler's writes and the checkpoint together, so a handler never commits, never opens a
 * transaction of its own, and never writes outside `tx` (that would escape the exactly-once rule).
 */
export interface PostgresProjection {
  readonly name: string;
  /** Stream categories (`poll`, `ballot`, ...); the runner subscribes to `$all` filtered by them. */
  readonly categories: readonly string[];
  /**
   * Applies events in log order. Must be idempotent by position (guard updates with the row's
   * last applied position): a runner that lost a race or replays after a reset may hand an event
   * in again. Throwing rolls the whole batch back; the runner then retries event by event.
   */
  handle(events: readonly RecordedEvent[], tx: DatabaseTransactionConnection): Promise<void>;
  /** Empties the projection's tables, for a replay from position 0 (see `resetProjection`). */
  reset?(tx: DatabaseTransactionConnection): Promise<void>;
}

/**
 * A slice of a projection's events, for when work is split over workers by poll id with leases
 * (not implemented yet). A partitioned runner keeps its own checkpoint under `checkpointName`
 * and still advances it over events outside the slice, so each slice's checkpoint stays exact.
 */
export interface ProjectionPartition {
  /** Stable id, e.g. `3/16` for the fourth of sixteen slices. */
  readonly id: string;
  includes(event: RecordedEvent): boolean;
}

/** The checkpoint key of a projection, or of one partition of it. */
export function checkpointName(projection: Pick<PostgresProjection, 'name'>, partition?: ProjectionPartition): string {
  return partition === undefined ? projection.name : `${projection.name}#${partition.id}`;
}
