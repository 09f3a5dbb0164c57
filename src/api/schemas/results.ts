import Type from 'typebox';
import { QUESTION_KINDS } from '../../domain/poll/definition.ts';
import { Position, Uuid } from './common.ts';
import { PollStatus } from './poll.ts';

/** getResults (API.md, "Results, live, analytics"): the shape is part of the contract. */
const Count = Type.Integer({ minimum: 0 });

const OptionResult = Type.Object({
  optionId: Uuid,
  text: Type.String(),
  votes: Count,
  percentage: Type.Number({
    minimum: 0,
    maximum: 100,
    description:
      'votes / (counted ballots answering this question) × 100, rounded to 2 decimals. For multiple the ' +
      'percentages of a question may add up to more than 100; for ranked, votes are first preferences.',
  }),
});

const Round = Type.Object({
  round: Type.Integer({ minimum: 1 }),
  tallies: Type.Record(Type.String(), Count, { description: 'votes per option still in the race' }),
  eliminated: Type.Array(Uuid, { description: 'the option eliminated after this round (empty in the last round)' }),
  exhausted: Type.Integer({ minimum: 0, description: 'ballots with no option left in the race so far (cumulative)' }),
});

export const QuestionResult = Type.Object({
  questionId: Uuid,
  kind: Type.Enum(QUESTION_KINDS),
  options: Type.Array(OptionResult, { description: 'in the order of the poll; empty for rating' }),
  rounds: Type.Optional(
    Type.Array(Round, {
      description:
        'ranked: instant-runoff rounds. An option with more than half of the ballots still active wins; else the ' +
        'one with the fewest votes goes, ties broken by fewer votes in earlier rounds (latest first), then by ' +
        'ascending sha256(pollId + optionId).',
    }),
  ),
  winner: Type.Optional(Type.Union([Uuid, Type.Null()], { description: 'ranked: the instant-runoff winner; null without ballots' })),
  average: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'rating: 2 decimals; null without ballots' })),
  distribution: Type.Optional(Type.Record(Type.String(), Count, { description: 'rating: ballots per value, the whole scale' })),
});

export const PollResultsView = Type.Object({
  pollId: Uuid,
  status: PollStatus,
  totalBallots: Type.Integer({ minimum: 0, description: 'ballots cast before the close and not rejected by a reviewer' }),
  flaggedPending: Type.Integer({ minimum: 0, description: 'of those, ballots with at least one flag pending review' }),
  position: { ...Position, description: 'log position of the last event of the poll or its ballots these results include' },
  questions: Type.Array(QuestionResult),
  raw: Type.Optional(
    Type.Object(
      {
        totalBallots: Type.Integer({ minimum: 0, description: 'ballots cast before the close, rejected ones included' }),
        rejectedBallots: Type.Integer({ minimum: 0, description: 'ballots a reviewer rejected (raw minus adjudicated)' }),
        pendingFlags: Type.Integer({ minimum: 0, description: 'flags (not ballots) still waiting for a reviewer' }),
        position: { ...Position, description: 'log position the raw figures are current through' },
        questions: Type.Array(QuestionResult),
      },
      {
        description:
          'The raw tally: the same counting rules with reviewer rejections ignored. Only for the poll\'s organizer, ' +
          'admins, auditors and reviewers; the figures above stay the adjudicated ones.',
      },
    ),
  ),
});

export const ResultsQuery = Type.Object(
  {
    at: Type.Optional({
      ...Position,
      description: 'results as of this log position, replayed from the log (e.g. the position a castBallot returned)',
    }),
    asOf: Type.Optional(
      Type.String({ format: 'date-time', description: 'results as of this time (ISO-8601), replayed from the log up to its first event recorded later; not with `at`' }),
    ),
  },
  { additionalProperties: false },
);
