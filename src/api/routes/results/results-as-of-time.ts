import { NotFoundError, ValidationError } from '../../../domain/shared/errors.ts';
import type { PollResults } from '../../../domain/results/results.ts';
import type { Queries } from '../../plugins/queries.ts';

/** getResults `?asOf=<ISO time>` (issue 7.4): the replay of projections/results/results-as-of.ts, with its input checks. */
export async function asOfTime(queries: Pick<Queries, 'resultsAsOf'>, pollId: string, time: string, at: number | undefined): Promise<PollResults> {
  if (at !== undefined) throw new ValidationError('results.at-and-as-of', 'give either `at` or `asOf`, not both', { field: 'asOf' });
  const asOf = new Date(time);
  if (Number.isNaN(asOf.getTime())) throw new ValidationError('results.invalid-as-of', `asOf ${time} is not a time`, { field: 'asOf' });
  // The future's results are not fixed yet.
  if (asOf.getTime() > Date.now()) throw new ValidationError('results.as-of-ahead', `asOf ${time} is in the future`, { field: 'asOf' });
  const results = await queries.resultsAsOf(pollId, asOf);
  if (!results) throw new NotFoundError('poll.not-found', `poll ${pollId} did not exist at ${asOf.toISOString()}`);
  return results;
}

export const asJson = (results: PollResults) => ({ ...results, position: Number(results.position) });
