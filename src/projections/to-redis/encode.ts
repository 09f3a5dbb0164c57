import type { PollResults } from '../../domain/results/results.ts';

/**
 * What the results of one poll look like in Redis, computed from the read model's getResults:
 * the counts hash, the JSON body and the position. One function, so the live fan-out and
 * reconcile write (and compare) exactly the same thing.
 */
export interface EncodedResults {
  pollId: string;
  /** Decimal string: positions are bigints; Lua compares them as numbers (exact below 2^53). */
  position: string;
  counts: Record<string, string>;
  json: string;
}

/** The getResults body as the API sends it: the position as a JSON number. */
export type ResultsBody = Omit<PollResults, 'position'> & { position: number };

export const toBody = (results: PollResults): ResultsBody => ({ ...results, position: Number(results.position) });

export const fromBody = (body: ResultsBody): PollResults => ({ ...body, position: BigInt(body.position) });

export function encodeResults(results: PollResults): EncodedResults {
  const counts: Record<string, string> = {
    total: String(results.totalBallots),
    flaggedPending: String(results.flaggedPending),
  };
  // Rating questions have no options (their distribution is in the JSON body only); ranked
  // questions count first preferences, as getResults' `votes` does.
  for (const question of results.questions) {
    for (const option of question.options) counts[`${question.questionId}:${option.optionId}`] = String(option.votes);
  }
  return { pollId: results.pollId, position: results.position.toString(), counts, json: JSON.stringify(toBody(results)) };
}
