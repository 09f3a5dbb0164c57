import type { Answer } from '../ballot/answers.ts';
import type { WeightedRanking } from './instant-runoff.ts';
import { type BallotStanding, isCounted, isFlaggedPending } from './standing.ts';

/**
 * What counted ballots add up to, per question: the numbers results are built from. The `results`
 * read model stores exactly these (one row per counter) and `tally` sums them in memory, both
 * through `visitVotes`, so the two cannot count an answer differently.
 */
export type QuestionCounts = {
  /** Counted ballots that answer the question: the base of its percentages. */
  answered: number;
  /** single and multiple: votes per option id. */
  options: Map<string, number>;
  /** rating: ballots per rating value. */
  ratings: Map<number, number>;
  /** ranked: the counted rankings (most preferred first), identical ones grouped. */
  rankings: WeightedRanking[];
};

export type Counts = {
  ballots: number;
  flaggedPending: number;
  questions: Map<string, QuestionCounts>;
};

export interface VoteVisitor {
  answered(questionId: string): void;
  option(questionId: string, optionId: string): void;
  rating(questionId: string, rating: number): void;
  ranking(questionId: string, ranking: readonly string[]): void;
}

/** One call per counter an answer moves; the answer's shape says its kind (validated when cast). */
export function visitVotes(answers: readonly Answer[], visit: VoteVisitor): void {
  for (const answer of answers) {
    visit.answered(answer.questionId);
    if ('optionIds' in answer) for (const optionId of answer.optionIds) visit.option(answer.questionId, optionId);
    else if ('ranking' in answer) visit.ranking(answer.questionId, answer.ranking);
    else visit.rating(answer.questionId, answer.rating);
  }
}

export const emptyQuestionCounts = (): QuestionCounts => ({ answered: 0, options: new Map(), ratings: new Map(), rankings: [] });

export function countBallots(ballots: Iterable<BallotStanding>): Counts {
  const counts: Counts = { ballots: 0, flaggedPending: 0, questions: new Map() };
  const groups = new Map<string, WeightedRanking>();
  const question = (id: string): QuestionCounts => {
    let q = counts.questions.get(id);
    if (q === undefined) counts.questions.set(id, (q = emptyQuestionCounts()));
    return q;
  };
  for (const ballot of ballots) {
    if (!isCounted(ballot) || ballot.answers === null) continue;
    counts.ballots += 1;
    if (isFlaggedPending(ballot)) counts.flaggedPending += 1;
    visitVotes(ballot.answers, {
      answered: (q) => void (question(q).answered += 1),
      option: (q, o) => void question(q).options.set(o, (question(q).options.get(o) ?? 0) + 1),
      rating: (q, r) => void question(q).ratings.set(r, (question(q).ratings.get(r) ?? 0) + 1),
      ranking: (q, ranking) => {
        const key = JSON.stringify([q, ranking]);
        const group = groups.get(key);
        if (group) {
          group.ballots += 1;
          return;
        }
        const first: WeightedRanking = { ranking, ballots: 1 };
        groups.set(key, first);
        question(q).rankings.push(first);
      },
    });
  }
  return counts;
}
