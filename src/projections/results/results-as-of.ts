import type { EventStore } from '../../event-store/port.ts';
import type { PollResults } from '../../domain/results/results.ts';
import { tally } from '../../domain/results/tally.ts';
import { readPollEvents } from '../shared/read-poll-events.ts';

/**
 * Results as of a time (`getResults?asOf=`): a replay of the poll's log up to, not including, its
 * first event recorded after `asOf`, so the answer is always the results at some log position
 * (the `position` it reports) and agrees with `?at=` there. recordedAt is the writing
 * transaction's start: around a commit in flight at `asOf` the cut is exact to the log, not to
 * the millisecond. Null when the poll did not exist yet.
 */
export async function resultsAsOf(store: EventStore, pollId: string, asOf: Date): Promise<PollResults | null> {
  const events = await readPollEvents(store, pollId);
  const cut = events.findIndex((e) => e.recordedAt > asOf);
  return tally(pollId, cut === -1 ? events : events.slice(0, cut));
}
