import type { RecordedEvent } from '../../event-store/port.ts';
import type { BallotCast, BallotFlagged } from '../../domain/ballot/events.ts';

/** A BallotCast with its log position, as the set-based handlers take them. */
export type CastAt = { data: BallotCast['data']; position: bigint };
/** A BallotFlagged with its stream (which names the voter) and log position. */
export type FlagAt = { data: BallotFlagged['data']; stream: string; position: bigint };

export interface CastRunHandlers {
  casts(run: readonly CastAt[]): Promise<void>;
  /**
   * Flags, set-based: given, BallotFlagged events join the runs and are applied after the run's
   * casts. Without it a flag would end the run, and under fraud load (a flag after nearly every
   * cast) every cast would become a statement of its own.
   */
  flags?(run: readonly FlagAt[]): Promise<void>;
  other(event: RecordedEvent): Promise<void>;
  check?(event: RecordedEvent): void;
  /** Types this projection does nothing with: they do not end a run. */
  ignored?: ReadonlySet<string>;
}

/**
 * Walks a batch in log order (a close or a review builds on the rows before it) but hands runs
 * of consecutive BallotCast, the bulk of any log, to one set-based call each, and the flags
 * among them to one more. Applying a run's flags after its casts is the log's order as far as
 * the rows can tell: a flag follows its own ballot's cast, and no cast reads a flag.
 */
export async function inLogOrderWithCastRuns(events: readonly RecordedEvent[], handlers: CastRunHandlers): Promise<void> {
  let casts: CastAt[] = [];
  let flags: FlagAt[] = [];
  const flush = async () => {
    if (casts.length > 0) await handlers.casts(casts);
    if (flags.length > 0) await handlers.flags!(flags);
    casts = [];
    flags = [];
  };
  for (const event of events) {
    handlers.check?.(event);
    if (event.type === 'BallotCast') casts.push({ data: event.data as CastAt['data'], position: event.position });
    else if (event.type === 'BallotFlagged' && handlers.flags) flags.push({ data: event.data as FlagAt['data'], stream: event.stream, position: event.position });
    else if (!handlers.ignored?.has(event.type)) {
      await flush();
      await handlers.other(event);
    }
  }
  await flush();
}
