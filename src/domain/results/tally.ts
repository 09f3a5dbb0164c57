import { countBallots } from './counts.ts';
import { buildResults, type PollResults } from './results.ts';
import {
  type BallotStanding, evolveBallot, evolvePoll, isBallotEvent, isPollEvent, type PollStanding, touchPoll,
} from './standing.ts';

/**
 * Results by replaying a poll's events in log order: what `?at=<position>` answers and what an
 * auditor's verify compares the read model with. Pure: the caller reads the events (the poll
 * stream and its ballot streams, in `$all` order) and passes them in.
 */
export type LoggedEvent = { type: string; data: unknown; position: bigint };

export type TallyState = { poll: PollStanding | undefined; ballots: Map<string, BallotStanding> };

export const initialTally = (): TallyState => ({ poll: undefined, ballots: new Map() });

/**
 * Folds one event of the poll into `state`, in place (a poll may have a million ballots; copying
 * the map per event would make a replay quadratic). Events of other polls are ignored.
 */
export function applyToTally(state: TallyState, pollId: string, logged: LoggedEvent): void {
  const event = { type: logged.type, data: logged.data, position: logged.position } as LoggedEvent & { data: { pollId?: unknown } | null };
  if (event.data?.pollId !== pollId) return;
  if (isPollEvent(event)) {
    state.poll = evolvePoll(state.poll, event);
    return;
  }
  // A ballot before its poll exists cannot be counted against any definition: skipped.
  if (!isBallotEvent(event) || state.poll === undefined) return;
  const before = state.ballots.get(event.data.ballotId);
  const after = evolveBallot(before, event, state.poll);
  if (after === undefined || after === before) return;
  state.ballots.set(after.ballotId, after);
  state.poll = touchPoll(state.poll, event.position);
}

/** Results of the poll after these events; null when they do not create it. */
export function tally(pollId: string, events: Iterable<LoggedEvent>): PollResults | null {
  const state = initialTally();
  for (const event of events) applyToTally(state, pollId, event);
  const { poll } = state;
  if (poll === undefined) return null;
  return buildResults(
    { pollId, status: poll.status, position: poll.position },
    poll.questions,
    countBallots(state.ballots.values()),
  );
}
