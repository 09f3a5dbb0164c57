import type { DatabaseTransactionConnection } from 'slonik';
import type { RecordedEvent } from '../../event-store/port.ts';
import { isPoisonCandidate } from '../runner/failures.ts';
import type { PostgresProjection } from '../runner/projection.ts';

/** An event the rebuild could not apply: parked under the projection's name when the swap commits. */
export interface ParkedInRebuild {
  event: RecordedEvent;
  error: unknown;
}

/**
 * Applies a batch inside the caller's transaction (whose search path points at the shadow
 * schema), the batch in a savepoint first; if it fails for a poison reason (see failures.ts),
 * event by event, each in a savepoint, collecting the events that still fail. The same rules as
 * the live runner, without its retries and backoff: the shadow is throwaway, and a systemic
 * failure (connection lost, missing table) ends the rebuild instead of parking the log.
 */
export async function applyWithin(
  tx: DatabaseTransactionConnection,
  projection: PostgresProjection,
  events: readonly RecordedEvent[],
  parked: ParkedInRebuild[],
): Promise<void> {
  if (events.length === 0) return;
  try {
    await tx.transaction((savepoint) => projection.handle(events, savepoint));
    return;
  } catch (error) {
    if (!isPoisonCandidate(error)) throw error;
  }
  for (const event of events) {
    try {
      await tx.transaction((savepoint) => projection.handle([event], savepoint));
    } catch (error) {
      if (!isPoisonCandidate(error)) throw error;
      parked.push({ event, error });
    }
  }
}
