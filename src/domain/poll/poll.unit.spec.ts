import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { CLOSED_AT, OPENED_AT, POLL_ID, pollClosed, pollCreated, pollOpened } from '../../testing/poll-fixtures.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { ClosePoll, IssueVoteTokens, OpenPoll } from './commands.ts';
import { pollDecider } from './decider.ts';
import type { VoteTokensIssued } from './events.ts';

const spec = deciderSpec(pollDecider);
const open = (now = OPENED_AT): OpenPoll => ({ type: 'OpenPoll', data: { pollId: POLL_ID, actorId: 'user-organizer', now } });
const close = (actorId = 'system'): ClosePoll => ({ type: 'ClosePoll', data: { pollId: POLL_ID, actorId, now: CLOSED_AT } });
const SERVER_MAX = 1_000_000;
const issueUpTo = (maxPerPoll: number, ...tokenHashes: string[]): IssueVoteTokens => ({
  type: 'IssueVoteTokens',
  data: { pollId: POLL_ID, tokenHashes, maxPerPoll, now: new Date(OPENED_AT) },
});
const issue = (...tokenHashes: string[]): IssueVoteTokens => issueUpTo(SERVER_MAX, ...tokenHashes);
const issued = (...tokenHashes: string[]): VoteTokensIssued => ({
  type: 'VoteTokensIssued',
  data: { pollId: POLL_ID, tokenHashes, issuedAt: OPENED_AT },
});
const tokenPoll = pollCreated({ voterPolicy: 'token' });

describe('OpenPoll', () => {
  it('moves a draft to active', () => {
    spec.given([pollCreated()]).when(open()).then([
      { type: 'PollOpened', data: { pollId: POLL_ID, openedBy: 'user-organizer', openedAt: OPENED_AT } },
    ]);
  });

  it('rejects an unknown poll', () => {
    spec.given([]).when(open()).thenThrows(NotFoundError, 'poll.not-found');
  });

  it('rejects a poll that is already active', () => {
    spec.given([pollCreated(), pollOpened()]).when(open()).thenThrows(ConflictError, 'poll.not-draft');
  });

  it('rejects a closed poll', () => {
    spec.given([pollCreated(), pollOpened(), pollClosed()]).when(open()).thenThrows(ConflictError, 'poll.already-closed');
  });

  it('rejects opening after endsAt, when no ballot could be cast', () => {
    spec.given([pollCreated({ endsAt: '2030-01-01T10:00:00.000Z' })]).when(open('2030-01-01T10:00:00.000Z'))
      .thenThrows(ConflictError, 'poll.ended');
  });
});

describe('ClosePoll', () => {
  it('moves an active poll to closed, by the system scheduler too', () => {
    spec.given([pollCreated(), pollOpened()]).when(close()).then([
      { type: 'PollClosed', data: { pollId: POLL_ID, closedBy: 'system', closedAt: CLOSED_AT } },
    ]);
  });

  it('records the user who closed it', () => {
    spec.given([pollCreated(), pollOpened()]).when(close('user-organizer')).then([
      { type: 'PollClosed', data: { pollId: POLL_ID, closedBy: 'user-organizer', closedAt: CLOSED_AT } },
    ]);
  });

  it('rejects an unknown poll', () => {
    spec.given([]).when(close()).thenThrows(NotFoundError, 'poll.not-found');
  });

  it('rejects a draft, which was never active', () => {
    spec.given([pollCreated()]).when(close()).thenThrows(ConflictError, 'poll.not-active');
  });

  it('rejects closing twice', () => {
    spec.given([pollCreated(), pollOpened(), pollClosed()]).when(close()).thenThrows(ConflictError, 'poll.already-closed');
  });
});

describe('IssueVoteTokens', () => {
  it('records the hashes of tokens for a draft token poll', () => {
    spec.given([tokenPoll]).when(issue('h1', 'h2')).then([issued('h1', 'h2')]);
  });

  it('issues more tokens while the poll is active', () => {
    spec.given([tokenPoll, issued('h1'), pollOpened()]).when(issue('h2')).then([issued('h2')]);
  });

  it('rejects a poll whose voter policy is not token', () => {
    spec.given([pollCreated()]).when(issue('h1')).thenThrows(ConflictError, 'poll.tokens-not-allowed');
  });

  it('rejects a closed poll', () => {
    spec.given([tokenPoll, pollOpened(), pollClosed()]).when(issue('h1')).thenThrows(ConflictError, 'poll.already-closed');
  });

  it('rejects an unknown poll', () => {
    spec.given([]).when(issue('h1')).thenThrows(NotFoundError, 'poll.not-found');
  });

  it('rejects an empty batch', () => {
    spec.given([tokenPoll]).when(issue()).thenThrows(ValidationError, 'poll.invalid-token-hashes', 'tokenHashes');
  });

  it('rejects an empty hash', () => {
    spec.given([tokenPoll]).when(issue('h1', '')).thenThrows(ValidationError, 'poll.invalid-token-hashes', 'tokenHashes[1]');
  });

  it('rejects a hash repeated in the batch', () => {
    spec.given([tokenPoll]).when(issue('h1', 'h1')).thenThrows(ConflictError, 'poll.token-already-issued', 'tokenHashes[1]');
  });
});

describe('IssueVoteTokens within the maximum', () => {
  const bounded = pollCreated({ voterPolicy: 'token', maxVoteTokens: 3 });

  it('issues up to the poll\'s own maximum, counting earlier batches', () => {
    spec.given([bounded, issued('h1')]).when(issue('h2', 'h3')).then([issued('h2', 'h3')]);
  });

  it('refuses a batch that would pass the poll\'s maximum, whole, saying how many are left', () => {
    spec.given([bounded, issued('h1', 'h2')]).when(issue('h3', 'h4'))
      .thenThrows(ValidationError, 'poll.vote-token-limit', 'tokenHashes');
    expect(() => pollDecider.decide(issue('h3', 'h4'), spec.stateAfter([bounded, issued('h1', 'h2')]))).toThrow(
      "poll poll-1 may issue at most 3 vote tokens (set by this poll's settings.maxVoteTokens); 2 are issued, so 1 more can be, not 2",
    );
  });

  it('refuses past the server\'s bound, also for a poll that asked for more', () => {
    spec.given([tokenPoll, issued('h1')]).when(issueUpTo(2, 'h2')).then([issued('h2')]);
    spec.given([tokenPoll, issued('h1', 'h2')]).when(issueUpTo(2, 'h3'))
      .thenThrows(ValidationError, 'poll.vote-token-limit', 'tokenHashes');
    expect(() => pollDecider.decide(issueUpTo(2, 'h4'), spec.stateAfter([bounded, issued('h1', 'h2')]))).toThrow(
      'may issue at most 2 vote tokens (set by the server (VOTE_TOKENS_MAX_PER_POLL))',
    );
  });
});

describe('evolve', () => {
  it('folds the lifecycle into the state the vote path reads, counting tokens without keeping them', () => {
    const state = spec.stateAfter([tokenPoll, issued('h1'), pollOpened(), issued('h2', 'h3'), pollClosed()]);
    expect(state).toEqual({
      status: 'closed',
      poll: tokenPoll.data,
      tokensIssued: 3,
      milestones: new Set(),
      openedAt: OPENED_AT,
      closedAt: CLOSED_AT,
    });
  });
});
