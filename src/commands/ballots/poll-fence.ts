import { UnavailableError } from '../../domain/shared/errors.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';

/** Tries of a ballot whose poll stream moved under it; a closed poll is refused on the second. */
const MAX_FENCED_ATTEMPTS = 3;

/**
 * The fence a cast or change is appended with: the poll stream at the revision it was decided
 * on, so an accepted ballot precedes any close in the log (migrations/022_append_fences.sql).
 * Undefined on a store without fences: the caller then waits at the close gate.
 */
export function pollFence(deps: CommandDeps, pollId: string, revision: bigint): { stream: string; revision: bigint } | undefined {
  return deps.store.fences ? { stream: pollStream(pollId), revision } : undefined;
}

/**
 * After a FencedOutError (the poll moved on since it was cached: closed, tokens issued elsewhere,
 * a milestone; nothing was written): re-read the poll and decide again, a bounded number of times.
 */
export async function againAfterFencedOut<T>(deps: CommandDeps, pollId: string, attempt: number, again: (attempt: number) => Promise<T>): Promise<T> {
  await deps.polls.refresh(pollId);
  if (attempt < MAX_FENCED_ATTEMPTS) return again(attempt + 1);
  throw new UnavailableError('ballot.poll-busy', 'the poll kept changing while this ballot was recorded; try again');
}
