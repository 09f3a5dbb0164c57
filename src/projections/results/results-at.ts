import type { EventStore } from '../../event-store/port.ts';
import type { PollResults } from '../../domain/results/results.ts';
import { tally } from '../../domain/results/tally.ts';
import { readPollEvents } from '../shared/read-poll-events.ts';

/**
 * Results as of log position `at`, by replaying the poll's events up to it (not from the read
 * model, which only knows "now"). Null when the poll did not exist yet at that position. The
 * caller makes sure the log is complete through `at` (at <= the store's head position), or later
 * commits below `at` could still change the answer.
 */
export async function resultsAt(store: EventStore, pollId: string, at: bigint): Promise<PollResults | null> {
  return tally(pollId, await readPollEvents(store, pollId, { upTo: at }));
}
