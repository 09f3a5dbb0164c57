import { assertNever } from '../shared/decider.ts';
import type { QuestionDefinition } from '../poll/definition.ts';
import { type Counts, emptyQuestionCounts, type QuestionCounts } from './counts.ts';
import { instantRunoff, type RunoffRound } from './instant-runoff.ts';
import type { PollStatus } from './standing.ts';
import { seededTieOrder } from './tie-break.ts';

/**
 * Results of a poll as getResults returns them (API.md), built from counts. Both the read model
 * query and the replay (`tally`) end here, so the shape and the arithmetic exist once.
 */
export type OptionResult = { optionId: string; text: string; votes: number; percentage: number };

export type QuestionResult =
  | { questionId: string; kind: 'single' | 'multiple'; options: OptionResult[] }
  | { questionId: string; kind: 'ranked'; options: OptionResult[]; rounds: RunoffRound[]; winner: string | null }
  | { questionId: string; kind: 'rating'; options: []; average: number | null; distribution: Record<string, number> };

export type PollResults = {
  pollId: string;
  status: PollStatus;
  /** Ballots that count: cast before the close and not rejected by a reviewer. */
  totalBallots: number;
  /** Of those, ballots with at least one flag still pending review. */
  flaggedPending: number;
  /** `$all` position of the last event of the poll or its ballots these results include. */
  position: bigint;
  questions: QuestionResult[];
};

export type ResultsHeader = Omit<PollResults, 'questions' | 'totalBallots' | 'flaggedPending'>;

/** Two decimals, computed on integers first so that equal inputs always round the same way. */
export const percentage = (votes: number, base: number): number => (base === 0 ? 0 : Math.round((votes * 10_000) / base) / 100);

export function buildResults(header: ResultsHeader, questions: readonly QuestionDefinition[], counts: Counts): PollResults {
  return {
    ...header,
    totalBallots: counts.ballots,
    flaggedPending: counts.flaggedPending,
    questions: questions.map((q) => questionResult(header.pollId, q, counts.questions.get(q.questionId) ?? emptyQuestionCounts())),
  };
}

function questionResult(pollId: string, question: QuestionDefinition, counts: QuestionCounts): QuestionResult {
  const { questionId } = question;
  switch (question.kind) {
    case 'single':
    case 'multiple': {
      // For multiple, percentages add up to more than 100: each is "of the ballots answering".
      const options = question.options.map(({ optionId, text }) => {
        const votes = counts.options.get(optionId) ?? 0;
        return { optionId, text, votes, percentage: percentage(votes, counts.answered) };
      });
      return { questionId, kind: question.kind, options };
    }
    case 'ranked': {
      const ids = question.options.map((o) => o.optionId);
      const { rounds, winner } = instantRunoff(ids, counts.rankings, seededTieOrder(pollId, ids));
      // Options carry first preferences: round 1, where no option is out yet.
      const first = rounds[0]?.tallies ?? {};
      const options = question.options.map(({ optionId, text }) => {
        const votes = first[optionId] ?? 0;
        return { optionId, text, votes, percentage: percentage(votes, counts.answered) };
      });
      return { questionId, kind: 'ranked', options, rounds, winner };
    }
    case 'rating': {
      const distribution: Record<string, number> = {};
      for (let value = question.scale.min; value <= question.scale.max; value++) distribution[String(value)] = 0;
      let sum = 0;
      let n = 0;
      for (const [value, ballots] of [...counts.ratings].sort(([a], [b]) => a - b)) {
        distribution[String(value)] = (distribution[String(value)] ?? 0) + ballots;
        sum += value * ballots;
        n += ballots;
      }
      const average = n === 0 ? null : Math.round((sum * 100) / n) / 100;
      return { questionId, kind: 'rating', options: [], average, distribution };
    }
    default:
      return assertNever(question, 'question kind');
  }
}
