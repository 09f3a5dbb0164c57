import type { RecordedEvent } from '../../event-store/port.ts';
import type { BallotCast, BallotChanged, BallotFlagged } from '../../domain/ballot/events.ts';

/** A BallotCast with its log position, as the set-based handlers take them. */
export type CastAt = { data: BallotCast['data']; position: bigint };
/** A BallotChanged with its log position. */
export type ChangeAt = { data: BallotChanged['data']; position: bigint };
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
  /**
   * Changes, set-based: given, BallotChanged events join the runs and are applied after the run's
   * casts (a change follows its own ballot's cast). Without it every change is a statement of its
   * own: a rebuild of a log where one ballot in fifty changes spent a third of its time on them.
   */
  changes?(run: readonly ChangeAt[]): Promise<void>;
  other(event: RecordedEvent): Promise<void>;
  check?(event: RecordedEvent): void;
  /** Types this projection does nothing with: they do not end a run. */
  ignored?: ReadonlySet<string>;
}

/**
 * Walks a batch in log order (a close or a review builds on the rows before it) but hands runs
 * of consecutive BallotCast, the bulk of any log, to one set-based call each, and the changes
 * and flags among them to one more each. Applying a run's changes and flags after its casts is the
 * log's order as far as the rows can tell: a change or a flag follows its own ballot's cast, no
 * cast reads either, and changes (answers) and flags (the review queue) touch different rows.
 */
export async function inLogOrderWithCastRuns(events: readonly RecordedEvent[], handlers: CastRunHandlers): Promise<void> {
  let casts: CastAt[] = [];
  let changes: ChangeAt[] = [];
  let flags: FlagAt[] = [];
  const flush = async () => {
    if (casts.length > 0) await handlers.casts(casts);
    if (changes.length > 0) await handlers.changes!(changes);
    if (flags.length > 0) await handlers.flags!(flags);
    casts = [];
    changes = [];
    flags = [];
  };
  for (const event of events) {
    handlers.check?.(event);
    if (event.type === 'BallotCast') casts.push({ data: event.data as CastAt['data'], position: event.position });
    else if (event.type === 'BallotChanged' && handlers.changes) changes.push({ data: event.data as ChangeAt['data'], position: event.position });
    else if (event.type === 'BallotFlagged' && handlers.flags) flags.push({ data: event.data as FlagAt['data'], stream: event.stream, position: event.position });
    else if (!handlers.ignored?.has(event.type)) {
      await flush();
      await handlers.other(event);
    }
  }
  await flush();
}

/**
 * The last change of each ballot in a run, in log order of those last changes: a change replaces
 * the ballot's answers whole, so the last one is the ballot's state after the run, and a set-based
 * UPDATE can touch each row only once. (What a ballot's earlier changes in the run moved, the last
 * one moves from the stored row in one step: the differences add up to the same.)
 */
export function lastChangeOfEachBallot(run: readonly ChangeAt[]): ChangeAt[] {
  const last = new Map<string, ChangeAt>();
  for (const change of run) {
    last.delete(change.data.ballotId);
    last.set(change.data.ballotId, change);
  }
  return [...last.values()];
}
