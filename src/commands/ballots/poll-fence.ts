import { UnavailableError } from '../../domain/shared/errors.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { Fence } from '../../event-store/port.ts';
import type { PollEvent } from '../../domain/poll/events.ts';
import type { CommandDeps } from '../command-deps.ts';

/** Tries of a ballot whose poll stream moved under it; a closed poll is refused on the second. */
const MAX_FENCED_ATTEMPTS = 3;

/**
 * Poll events that may land between a ballot's decision and its append without changing it: a
 * milestone is a count noticed, and tokens issued meanwhile leave the ballot's own token issued.
 * Without them every ballot in flight on a hot poll was refused and decided again whenever the
 * milestones job or an organizer wrote to the poll (176 retries within half a second at 3,000
 * ballots/s over ten polls). Any other poll event (a close) still breaks the fence.
 */
const CANNOT_CHANGE_A_BALLOT: readonly PollEvent['type'][] = ['MilestoneReached', 'VoteTokensIssued'];

/**
 * The fence a cast or change is appended with: the poll stream at the revision it was decided
 * on, so an accepted ballot precedes any close in the log (migrations/022_append_fences.sql,
 * 023_fences_ignoring.sql). Undefined on a store without fences: the caller then waits at the
 * close gate.
 */
export function pollFence(deps: CommandDeps, pollId: string, revision: bigint): Fence | undefined {
  return deps.store.fences ? { stream: pollStream(pollId), revision, ignoring: CANNOT_CHANGE_A_BALLOT } : undefined;
}

/**
 * After a FencedOutError (nothing was written: the poll closed since it was cached, or moved on
 * in a way the store could not tell from that): re-read the poll and decide again, a bounded
 * number of times.
 */
export async function againAfterFencedOut<T>(deps: CommandDeps, pollId: string, attempt: number, again: (attempt: number) => Promise<T>): Promise<T> {
  await deps.polls.refresh(pollId);
  if (attempt < MAX_FENCED_ATTEMPTS) return again(attempt + 1);
  throw new UnavailableError('ballot.poll-busy', 'the poll kept changing while this ballot was recorded; try again');
}
