import type { Answer } from '../ballot/answers.ts';
import { assertNever } from '../shared/decider.ts';
import type { BallotEvent } from '../ballot/events.ts';
import type { QuestionDefinition } from '../poll/definition.ts';
import type { PollEvent } from '../poll/events.ts';

/**
 * The counting rules (ARCHITECTURE.md, "Projections"; issue 4), as two folds that both the pure
 * `tally` and the `results` projection run, so a replay and the read model cannot disagree:
 * - a ballot counts only if it precedes its poll's PollClosed in log order; a BallotChanged
 *   after the close is ignored (the ballot keeps the answers it had at the close);
 * - a change moves the ballot's votes; a reviewer's `reject` takes the ballot out for good;
 *   `uphold` changes nothing; a ballot with a pending flag still counts and is reported apart.
 * Every event carries its `$all` position; an event at or below what a standing already holds
 * is a replay and changes nothing.
 */
export type PollStatus = 'draft' | 'active' | 'closed';

export type PollStanding = {
  pollId: string;
  /** Fixed by PollCreated: what results are reported for. */
  questions: readonly QuestionDefinition[];
  status: PollStatus;
  /** Position of PollClosed: ballot events after it do not move votes. */
  closedPosition: bigint | null;
  /** Position of the last event of the poll or its ballots applied. */
  position: bigint;
};

export type BallotStanding = {
  ballotId: string;
  pollId: string;
  /** What the ballot adds while it counts: its answers as of the close; null = cast after the close. */
  answers: readonly Answer[] | null;
  /** A reviewer rejected one of its flags: out of the results, whatever happens later. */
  rejected: boolean;
  /** Flags raised and not yet decided. */
  pendingFlags: readonly string[];
  position: bigint;
};

export type Positioned<E> = E & { position: bigint };

// Records, not lists: a new event type fails to compile here until the counting rules decide on it.
const POLL_TYPES: Record<PollEvent['type'], true> = {
  PollCreated: true, PollOpened: true, PollClosed: true, VoteTokensIssued: true, MilestoneReached: true,
};
const BALLOT_TYPES: Record<BallotEvent['type'], true> = { BallotCast: true, BallotChanged: true, BallotFlagged: true, FlagReviewed: true };

/** Types from the log are strings; an unknown one (a newer program's) is skipped by every caller. */
export const isPollEvent = <E extends { type: string }>(event: E): event is E & PollEvent => Object.hasOwn(POLL_TYPES, event.type);
export const isBallotEvent = <E extends { type: string }>(event: E): event is E & BallotEvent => Object.hasOwn(BALLOT_TYPES, event.type);

export const isCounted = (ballot: BallotStanding): boolean => ballot.answers !== null && !ballot.rejected;

export const isFlaggedPending = (ballot: BallotStanding): boolean => isCounted(ballot) && ballot.pendingFlags.length > 0;

const beforeClose = (poll: PollStanding, position: bigint): boolean =>
  poll.closedPosition === null || position < poll.closedPosition;

/** Undefined until PollCreated; later poll events only move the status. */
export function evolvePoll(poll: PollStanding | undefined, event: Positioned<PollEvent>): PollStanding | undefined {
  const { position } = event;
  if (poll !== undefined && position <= poll.position) return poll;
  switch (event.type) {
    case 'PollCreated':
      return poll ?? { pollId: event.data.pollId, questions: event.data.questions, status: 'draft', closedPosition: null, position };
    case 'PollOpened':
      return poll && { ...poll, status: poll.status === 'draft' ? 'active' : poll.status, position };
    case 'PollClosed':
      return poll && { ...poll, status: 'closed', closedPosition: poll.closedPosition ?? position, position };
    case 'VoteTokensIssued':
    case 'MilestoneReached':
      // Nothing to count, but still the poll's log: the position says how far it has been read.
      return poll && { ...poll, position };
    default:
      return assertNever(event, 'poll event');
  }
}

/** The poll's position follows its ballots too: it is "the log as far as this poll is concerned". */
export const touchPoll = (poll: PollStanding, position: bigint): PollStanding =>
  position > poll.position ? { ...poll, position } : poll;

export function evolveBallot(
  ballot: BallotStanding | undefined,
  event: Positioned<BallotEvent>,
  poll: PollStanding,
): BallotStanding | undefined {
  const { position } = event;
  if (ballot !== undefined && position <= ballot.position) return ballot;
  switch (event.type) {
    case 'BallotCast': {
      if (ballot !== undefined) return ballot; // one cast per ballot; a second one is not a fact we count
      const { ballotId, pollId, answers } = event.data;
      return { ballotId, pollId, answers: beforeClose(poll, position) ? answers : null, rejected: false, pendingFlags: [], position };
    }
    case 'BallotChanged': {
      if (ballot === undefined) return undefined;
      // A ballot cast after the close never counts, whatever it changes to.
      const moves = ballot.answers !== null && beforeClose(poll, position);
      return { ...ballot, answers: moves ? event.data.answers : ballot.answers, position };
    }
    case 'BallotFlagged': {
      if (ballot === undefined) return undefined;
      const { flagId } = event.data;
      const pendingFlags = ballot.pendingFlags.includes(flagId) ? ballot.pendingFlags : [...ballot.pendingFlags, flagId];
      return { ...ballot, pendingFlags, position };
    }
    case 'FlagReviewed': {
      if (ballot === undefined) return undefined;
      const { flagId, decision } = event.data;
      // Only a pending flag of this ballot can be decided (as the ballot aggregate's evolve does).
      if (!ballot.pendingFlags.includes(flagId)) return { ...ballot, position };
      return {
        ...ballot,
        pendingFlags: ballot.pendingFlags.filter((id) => id !== flagId),
        rejected: ballot.rejected || decision === 'reject',
        position,
      };
    }
    default:
      return assertNever(event, 'ballot event');
  }
}
