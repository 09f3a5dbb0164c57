import type { PollResults } from '../../domain/results/results.ts';
import type { ResultsState } from './frames.ts';

/** Where snapshots come from: one read per poll however many viewers join (the hub single-flights it). */
export type ResultsLoader = (pollId: string) => Promise<ResultsState | null>;

/** The getResults body as the API sends it: positions are JSON numbers. */
const toResultsState = (results: PollResults): ResultsState => {
  const position = Number(results.position);
  return { position, results: { ...results, position } };
};

/**
 * Snapshots as getResults answers them (currentResults): a viewer of a new poll gets zeros with a
 * real position rather than an error, and never a Redis entry older than the read model.
 */
export function resultsLoader(currentResults: (pollId: string) => Promise<PollResults | null>): ResultsLoader {
  return async (pollId) => {
    const results = await currentResults(pollId);
    return results ? toResultsState(results) : null;
  };
}
