import { describe, expect, it } from 'vitest';
import {
  BALLOT_ID, CAST_AT, LATER, VOTER_KEY, answers, ballotCast, castBallot as cast, changeBallot as change, emptyMeta,
} from '../../testing/ballot-fixtures.ts';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  POLL_ID, activePoll, pollClosed, pollCreated, pollOpened, pollState,
} from '../../testing/poll-fixtures.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { ballotDecider } from './decider.ts';

const spec = deciderSpec(ballotDecider);
const window = { startsAt: '2030-01-01T11:00:00.000Z', endsAt: '2030-01-01T12:00:00.000Z' };

describe('CastBallot', () => {
  it('records the ballot with its answers, time and request facts', () => {
    const meta = { ipPrefix: '203.0.113.0/24', device: 'mobile', country: 'DE', userAgentHash: 'ua1' };
    const startedAt = new Date(Date.parse(CAST_AT) - 41_700).toISOString();
    spec.given([]).when(cast({ accountId: 'user-42', meta: { ...meta, startedAt } }))
      .then([ballotCast({ accountId: 'user-42', meta: { ...meta, responseSeconds: 41 } })]);
  });

  it('fills unknown request facts with null and omits a missing account id', () => {
    spec.given([]).when(cast({ meta: { country: 'FR' } })).then([ballotCast({ meta: { ...emptyMeta, country: 'FR' } })]);
  });

  it('rejects a second ballot by the same voter', () => {
    spec.given([ballotCast()]).when(cast({ ballotId: 'ballot-2' })).thenThrows(ConflictError, 'ballot.already-cast');
  });

  it('rejects a ballot on an unknown poll', () => {
    spec.given([]).when(cast({ poll: pollState([]) })).thenThrows(NotFoundError, 'poll.not-found');
  });

  it('rejects a ballot on a draft or closed poll', () => {
    spec.given([]).when(cast({ poll: pollState([pollCreated()]) })).thenThrows(ConflictError, 'poll.not-active');
    spec.given([]).when(cast({ poll: pollState([pollCreated(), pollOpened(), pollClosed()]) }))
      .thenThrows(ConflictError, 'poll.not-active');
  });

  it('rejects a ballot before startsAt', () => {
    spec.given([]).when(cast({ poll: activePoll(window), now: '2030-01-01T10:59:59.999Z' }))
      .thenThrows(ConflictError, 'poll.not-active');
  });

  it('rejects a ballot at or after endsAt although no PollClosed was written yet', () => {
    spec.given([]).when(cast({ poll: activePoll(window), now: '2030-01-01T12:00:00.000Z' }))
      .thenThrows(ConflictError, 'poll.not-active');
  });

  it('rejects a poll other than the ballot stream’s', () => {
    spec.given([]).when(cast({ pollId: 'poll-2' })).thenThrows(ValidationError, 'ballot.poll-mismatch', 'pollId');
  });
});

describe('CastBallot on token polls', () => {
  const tokenPoll = pollState([
    pollCreated({ voterPolicy: 'token' }),
    { type: 'VoteTokensIssued', data: { pollId: POLL_ID, tokenHashes: ['abc'], issuedAt: CAST_AT } },
    pollOpened(),
  ]);

  it('accepts the holder of a token the registry found issued for this poll', () => {
    spec.given([]).when(cast({ poll: tokenPoll, voterKey: 't.abc', voteTokenIssued: true })).then([ballotCast({ voterKey: 't.abc', voterKind: 'token' })]);
  });

  it('rejects a token the registry did not find, or did not look up, or a voter key that is not a token', () => {
    spec.given([]).when(cast({ poll: tokenPoll, voterKey: 't.xyz', voteTokenIssued: false }))
      .thenThrows(ForbiddenError, 'ballot.invalid-vote-token', 'voteToken');
    spec.given([]).when(cast({ poll: tokenPoll, voterKey: 't.abc' }))
      .thenThrows(ForbiddenError, 'ballot.invalid-vote-token', 'voteToken');
    spec.given([]).when(cast({ poll: tokenPoll, voterKey: 'u.abc', voteTokenIssued: true }))
      .thenThrows(ForbiddenError, 'ballot.invalid-vote-token', 'voteToken');
  });
});

describe('CastBallot records how the voter was admitted (BallotCast version 2)', () => {
  it('by the poll\'s voter policy: an account, or a fingerprint on open polls', () => {
    spec.given([]).when(cast()).then([ballotCast({ voterKind: 'account' })]);
    spec.given([]).when(cast({ poll: activePoll({ voterPolicy: 'verified' }) })).then([ballotCast({ voterKind: 'account' })]);
    spec.given([]).when(cast({ poll: activePoll({ voterPolicy: 'open' }), voterKey: 'f.9f86d0' }))
      .then([ballotCast({ voterKey: 'f.9f86d0', voterKind: 'fingerprint' })]);
  });
});

describe('CastBallot on anonymous polls', () => {
  const anonymous = activePoll({ anonymous: true });

  it('stores no field holding the account id, even if the caller passes one', () => {
    const command = cast({ poll: anonymous, voterKey: 'a.9f86d081884c7d65', accountId: 'user-42' });
    spec.given([]).when(command).then([ballotCast({ voterKey: 'a.9f86d081884c7d65', voterKind: 'pseudonym' })]);
    const [event] = ballotDecider.decide(command, ballotDecider.initialState());
    expect(event?.data).not.toHaveProperty('accountId');
    expect(JSON.stringify(event)).not.toContain('user-42');
  });

  it('rejects a voter key that names the account', () => {
    spec.given([]).when(cast({ poll: anonymous, voterKey: 'u.user-42' }))
      .thenThrows(ValidationError, 'ballot.voter-key-not-anonymous', 'voterKey');
  });
});

describe('ChangeBallot', () => {
  const newAnswers = [{ questionId: 'q-single', optionIds: ['o-sushi'] }];

  it('replaces the answers, keeping the ballot id and carrying the previous answers', () => {
    spec.given([ballotCast()]).when(change({ accountId: 'user-42' })).then([{
      type: 'BallotChanged',
      data: {
        ballotId: BALLOT_ID, pollId: POLL_ID, voterKey: VOTER_KEY, accountId: 'user-42', answers: newAnswers,
        previousAnswers: answers(), meta: emptyMeta, changedAt: LATER,
      },
    }]);
  });

  it('accepts the ballot’s own id', () => {
    spec.given([ballotCast()]).when(change({ ballotId: BALLOT_ID })).then([{
      type: 'BallotChanged',
      data: {
        ballotId: BALLOT_ID, pollId: POLL_ID, voterKey: VOTER_KEY, answers: newAnswers,
        previousAnswers: answers(), meta: emptyMeta, changedAt: LATER,
      },
    }]);
  });

  it('rejects another ballot id', () => {
    spec.given([ballotCast()]).when(change({ ballotId: 'ballot-9' })).thenThrows(ConflictError, 'ballot.id-mismatch', 'ballotId');
  });

  it('rejects a change when the poll does not allow it', () => {
    spec.given([ballotCast()]).when(change({ poll: activePoll() })).thenThrows(ConflictError, 'ballot.change-not-allowed');
  });

  it('rejects a change when there is no ballot', () => {
    spec.given([]).when(change()).thenThrows(NotFoundError, 'ballot.not-found');
  });

  it('rejects a change after the poll stopped taking ballots', () => {
    const ended = activePoll({ allowChangeVote: true, ...window });
    spec.given([ballotCast()]).when(change({ poll: ended, now: LATER })).thenThrows(ConflictError, 'poll.not-active');
  });

  it('validates the new answers', () => {
    spec.given([ballotCast()]).when(change({ answers: [] })).thenThrows(ValidationError, 'ballot.no-answers', 'answers');
  });
});
