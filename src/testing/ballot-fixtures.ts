import type { Answer } from '../domain/ballot/answers.ts';
import type { CastBallot, ChangeBallot, FlagSuspicious, ReviewFlag } from '../domain/ballot/commands.ts';
import type { BallotCast, BallotFlagged, BallotMeta } from '../domain/ballot/events.ts';
import { POLL_ID, activePoll } from './poll-fixtures.ts';

/** Commands and events of one voter's ballot in the fixture poll, for the ballot unit specs. */
export const BALLOT_ID = 'ballot-1';
export const VOTER_KEY = 'u.user-42';
export const CAST_AT = '2030-01-01T12:00:00.000Z';
export const LATER = '2030-01-01T13:00:00.000Z';

export const answers = (): Answer[] => [
  { questionId: 'q-single', optionIds: ['o-pizza'] },
  { questionId: 'q-multi', optionIds: ['o-mon', 'o-wed'] },
  { questionId: 'q-ranked', ranking: ['o-c', 'o-a'] },
  { questionId: 'q-rating', rating: 4 },
];

export const emptyMeta: BallotMeta = { ipPrefix: null, device: null, country: null, userAgentHash: null, responseSeconds: null };

export const castBallot = (overrides: Partial<CastBallot['data']> = {}): CastBallot => ({
  type: 'CastBallot',
  data: { pollId: POLL_ID, ballotId: BALLOT_ID, voterKey: VOTER_KEY, answers: answers(), poll: activePoll(), now: CAST_AT, ...overrides },
});

export const changeBallot = (overrides: Partial<ChangeBallot['data']> = {}): ChangeBallot => ({
  type: 'ChangeBallot',
  data: {
    pollId: POLL_ID, voterKey: VOTER_KEY, answers: [{ questionId: 'q-single', optionIds: ['o-sushi'] }],
    poll: activePoll({ allowChangeVote: true }), now: LATER, ...overrides,
  },
});

export const ballotCast = (data: Partial<BallotCast['data']> = {}): BallotCast => ({
  type: 'BallotCast',
  data: { ballotId: BALLOT_ID, pollId: POLL_ID, voterKey: VOTER_KEY, answers: answers(), meta: emptyMeta, castAt: CAST_AT, voterKind: 'account', ...data },
});

export const flagSuspicious = (overrides: Partial<FlagSuspicious['data']> = {}): FlagSuspicious => ({
  type: 'FlagSuspicious',
  data: { flagId: 'flag-1', ballotId: BALLOT_ID, reasons: ['velocity'], flaggedBy: 'system', now: LATER, ...overrides },
});

export const ballotFlagged = (flagId = 'flag-1'): BallotFlagged => ({
  type: 'BallotFlagged',
  data: { flagId, ballotId: BALLOT_ID, pollId: POLL_ID, reasons: ['velocity'], flaggedBy: 'system', details: null, flaggedAt: LATER },
});

export const reviewFlag = (overrides: Partial<ReviewFlag['data']> = {}): ReviewFlag => ({
  type: 'ReviewFlag',
  data: { flagId: 'flag-1', decision: 'reject', note: 'same /24 as 300 others', reviewerId: 'user-reviewer', now: LATER, ...overrides },
});
