import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { QuestionDefinition } from '../../domain/poll/definition.ts';
import { type Counts, emptyQuestionCounts, type QuestionCounts } from '../../domain/results/counts.ts';
import { buildResults, type PollResults } from '../../domain/results/results.ts';
import { jsonOf } from '../shared/columns.ts';
import { prepared } from '../../db/prepared.ts';

/**
 * The counters of one poll in one statement (one snapshot, so totals and counters agree while the
 * projection writes), then the same `buildResults` a replay ends in. Visibility is the route's call.
 */
const resultsRow = z.object({
  poll_id: z.string(),
  status: z.enum(['draft', 'active', 'closed']),
  questions: jsonOf<readonly QuestionDefinition[]>(),
  total_ballots: z.number().int(),
  flagged_pending: z.number().int(),
  position: z.bigint(),
  answered: jsonOf<Array<[string, number]>>(),
  options: jsonOf<Array<[string, string, number]>>(),
  ratings: jsonOf<Array<[string, number, number]>>(),
  rankings: jsonOf<Array<[string, string[], number]>>(),
});

export async function getResults(db: CommonQueryMethods, pollId: string): Promise<PollResults | null> {
  return (await getResultsOf(db, [pollId])).get(pollId) ?? null;
}

/** getResults of several polls in one statement (the live fan-out reads every poll a batch touched); unknown polls are left out. */
export async function getResultsOf(db: CommonQueryMethods, pollIds: readonly string[]): Promise<Map<string, PollResults>> {
  const read = await readResultCountsOf(db, pollIds);
  return new Map([...read].map(([pollId, r]) => [pollId, buildResults(r.header, r.questions, r.counts)]));
}

/** The read model's counters of one poll (one statement, one snapshot); the raw tally starts from them too. */
export async function readResultCounts(db: CommonQueryMethods, pollId: string) {
  return (await readResultCountsOf(db, [pollId])).get(pollId) ?? null;
}

async function readResultCountsOf(db: CommonQueryMethods, pollIds: readonly string[]) {
  if (pollIds.length === 0) return new Map<string, ReturnType<typeof countsOf>>();
  const rows = await db.any(prepared(sql.type(resultsRow)`
    SELECT p.poll_id, p.status, p.questions, p.total_ballots, p.flagged_pending, p.position,
      (SELECT coalesce(jsonb_agg(jsonb_build_array(question_id, answered)), '[]') FROM read.result_questions
        WHERE poll_id = p.poll_id) AS answered,
      (SELECT coalesce(jsonb_agg(jsonb_build_array(question_id, option_id, votes)), '[]') FROM read.result_options
        WHERE poll_id = p.poll_id) AS options,
      (SELECT coalesce(jsonb_agg(jsonb_build_array(question_id, rating, ballots)), '[]') FROM read.result_ratings
        WHERE poll_id = p.poll_id) AS ratings,
      (SELECT coalesce(jsonb_agg(jsonb_build_array(question_id, ranking, ballots)), '[]') FROM read.result_ranking_counts
        WHERE poll_id = p.poll_id) AS rankings
    FROM read.result_polls p WHERE p.poll_id = ANY(${sql.array([...pollIds], 'text')})`));
  return new Map(rows.map((row) => [row.poll_id, countsOf(row)]));
}

function countsOf(row: z.infer<typeof resultsRow>) {
  const pollId = row.poll_id;
  const questions = new Map<string, QuestionCounts>();
  const question = (id: string) => {
    let q = questions.get(id);
    if (q === undefined) questions.set(id, (q = emptyQuestionCounts()));
    return q;
  };
  for (const [q, n] of row.answered) question(q).answered = n;
  for (const [q, optionId, n] of row.options) question(q).options.set(optionId, n);
  for (const [q, rating, n] of row.ratings) question(q).ratings.set(rating, n);
  for (const [q, ranking, n] of row.rankings) question(q).rankings.push({ ranking, ballots: n });
  const counts: Counts = { ballots: row.total_ballots, flaggedPending: row.flagged_pending, questions };
  return { header: { pollId, status: row.status, position: row.position }, questions: row.questions, counts };
}
