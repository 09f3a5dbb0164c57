import type { RecordedEvent } from '../../event-store/port.ts';
import type { BallotCast } from '../../domain/ballot/events.ts';

/** A BallotCast with its log position, as the set-based handlers take them. */
export type CastAt = { data: BallotCast['data']; position: bigint };

/**
 * Walks a batch in log order (a close or a review builds on the rows before it) but hands runs
 * of consecutive BallotCast, the bulk of any log, to one set-based call each.
 */
export async function inLogOrderWithCastRuns(
  events: readonly RecordedEvent[],
  handlers: { casts(run: readonly CastAt[]): Promise<void>; other(event: RecordedEvent): Promise<void>; check?(event: RecordedEvent): void },
): Promise<void> {
  let run: CastAt[] = [];
  for (const event of events) {
    handlers.check?.(event);
    if (event.type === 'BallotCast') {
      run.push({ data: event.data as CastAt['data'], position: event.position });
      continue;
    }
    if (run.length > 0) await handlers.casts(run);
    run = [];
    await handlers.other(event);
  }
  if (run.length > 0) await handlers.casts(run);
}
