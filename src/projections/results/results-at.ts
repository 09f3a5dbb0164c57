import type { EventStore } from '../../event-store/port.ts';
import type { PollResults } from '../../domain/results/results.ts';
import { tally } from '../../domain/results/tally.ts';
import { readPollEvents } from '../shared/read-poll-events.ts';

/**
 * By replaying the poll's events (the read model only knows "now"). The caller makes sure the log
 * is complete through `at`, or later commits below it could still change the answer.
 */
export async function resultsAt(store: EventStore, pollId: string, at: bigint): Promise<PollResults | null> {
  return tally(pollId, await readPollEvents(store, pollId, { upTo: at }));
}
