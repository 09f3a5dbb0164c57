import type { PollResults } from '../../domain/results/results.ts';
import { tally } from '../../domain/results/tally.ts';
import { getResults, readPollEvents } from '../../projections/queries/index.ts';
import type { Services } from '../../runtime/services.ts';
import type { ResultsState } from './frames.ts';

/** Where snapshots come from: one read per poll however many viewers join (the hub single-flights it). */
export type ResultsLoader = (pollId: string) => Promise<ResultsState | null>;

/** The getResults body as the API sends it: positions are JSON numbers. */
export const toResultsState = (results: PollResults): ResultsState => {
  const position = Number(results.position);
  return { position, results: { ...results, position } };
};

/**
 * Snapshots as getResults answers them: the Redis results cache (REDIS_URL) first, then the read
 * model; a poll the projection has not seen yet (just opened, projection behind) is replayed from
 * its own log, so a viewer of a new poll gets zeros with a real position rather than an error.
 */
export function resultsLoader(services: Pick<Services, 'sql' | 'store' | 'resultsCache'>): ResultsLoader {
  return async (pollId) => {
    const cached = await services.resultsCache?.get(pollId);
    if (cached) return toResultsState(cached);
    const fromReadModel = await getResults(services.sql, pollId);
    if (fromReadModel) return toResultsState(fromReadModel);
    const replayed = tally(pollId, await readPollEvents(services.store, pollId));
    return replayed ? toResultsState(replayed) : null;
  };
}
