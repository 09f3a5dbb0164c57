import type { Logger } from 'pino';
import type { DatabasePool, DatabaseTransactionConnection } from 'slonik';
import type { RecordedEvent } from '../../event-store/port.ts';

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
   * Its tables, schema-qualified (`read.result_polls`): what `pollster projections rebuild`
   * copies into a shadow schema, fills and swaps in. The handler names them unqualified (the
   * runner sets the search path, see search-path.ts). Listed in the order readers lock them (the
   * table a query starts FROM first), which the swap follows so it does not deadlock with readers.
   */
  readonly tables?: readonly string[];
  /**
   * Applies events in log order. Must be idempotent by position (guard updates with the row's
   * last applied position): a runner that lost a race or replays after a reset may hand an event
   * in again. Throwing rolls the whole batch back; the runner then retries event by event.
   */
  handle(events: readonly RecordedEvent[], tx: DatabaseTransactionConnection): Promise<void>;
  /** Empties the projection's tables, for a replay from position 0 (see `resetProjection`). */
  reset?(tx: DatabaseTransactionConnection): Promise<void>;
  /**
   * Fan-out after commit (STYLE.md 9): called by the runner once a batch's transaction has
   * COMMITTED, with the events of it this runner owns (parked ones left out), before waiters of
   * those positions are released. Never inside the transaction; a throw is logged and rolls
   * nothing back, and nothing retries it: the next change of the same keys republishes. Used to
   * feed Redis and NATS from the read model (src/projections/to-nats/results-fan-out.ts).
   */
  afterCommit?(events: readonly RecordedEvent[], context: AfterCommitContext): Promise<void>;
}

/** What an `afterCommit` hook gets besides the events: the runner's own pool and logger. */
export interface AfterCommitContext {
  sql: DatabasePool;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/**
 * A slice of a projection's events, for when work is split over workers by poll id with leases
 * (src/projections/leases, src/worker). A partitioned runner keeps its own checkpoint under `checkpointName`
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
