import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  CLOSED_AT, OPENED_AT, POLL_ID, activePoll, pollClosed, pollCreated, pollDefinition, pollOpened, pollState,
} from '../../testing/poll-fixtures.ts';
import type { PollCreated } from '../poll/events.ts';
import type { PollSettings } from '../poll/definition.ts';
import { CREDENTIAL_SUITE } from '../poll/credential-key.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { IssueBallotCredential } from './commands.ts';
import { credentialDecider } from './decider.ts';
import type { BallotCredentialIssued } from './events.ts';

const spec = deciderSpec(credentialDecider);
const ACCOUNT = 'user-42';
const FINGERPRINT = 'f'.repeat(64);
const HASH = 'a'.repeat(64);
const NOW = '2030-01-01T10:30:00.000Z';
const credentialKey = { suite: CREDENTIAL_SUITE, publicKey: 'A'.repeat(400), fingerprint: FINGERPRINT };

const blindCreated = (settings: Partial<PollSettings> = {}): PollCreated => ({
  type: 'PollCreated',
  data: { ...pollDefinition({ anonymous: true, anonymity: 'blind', ...settings }), credentialKey },
});
const blindPoll = (settings: Partial<PollSettings> = {}) => pollState([blindCreated(settings), pollOpened()]);

const issue = (overrides: Partial<IssueBallotCredential['data']> = {}): IssueBallotCredential => ({
  type: 'IssueBallotCredential',
  data: { pollId: POLL_ID, accountId: ACCOUNT, poll: blindPoll(), blindedMessageHash: HASH, nationalIdVerified: false, now: NOW, ...overrides },
});

const issued = (overrides: Partial<BallotCredentialIssued['data']> = {}): BallotCredentialIssued => ({
  type: 'BallotCredentialIssued',
  data: { pollId: POLL_ID, accountId: ACCOUNT, blindedMessageHash: HASH, keyFingerprint: FINGERPRINT, issuedAt: NOW, ...overrides },
});

describe('IssueBallotCredential', () => {
  it('issues the credential once, naming the account and the poll key, never the message', () => {
    spec.given([]).when(issue()).then([issued()]);
  });

  it('refuses a second credential for another blinded message', () => {
    spec.given([issued()]).when(issue({ blindedMessageHash: 'b'.repeat(64) })).thenThrows(ConflictError, 'credential.already-issued');
  });

  it('takes the same blinded message again as a retry: nothing new is written', () => {
    spec.given([issued()]).when(issue()).thenNothingHappens();
  });

  it('refuses an account without a verified national id on a verified poll, and issues once it is verified', () => {
    const verified = blindPoll({ voterPolicy: 'verified' });
    spec.given([]).when(issue({ poll: verified })).thenThrows(ForbiddenError, 'credential.verification-required');
    spec.given([]).when(issue({ poll: verified, nationalIdVerified: true })).then([issued()]);
  });

  it('refuses a poll that does not use blind credentials', () => {
    spec.given([]).when(issue({ poll: activePoll({ anonymous: true }) })).thenThrows(ConflictError, 'credential.not-offered');
  });

  it('refuses a closed poll, a draft, and a poll past its endsAt', () => {
    spec.given([]).when(issue({ poll: pollState([blindCreated(), pollOpened(), pollClosed()]), now: CLOSED_AT }))
      .thenThrows(ConflictError, 'poll.not-active');
    spec.given([]).when(issue({ poll: pollState([blindCreated()]) })).thenThrows(ConflictError, 'poll.not-active');
    spec.given([]).when(issue({ poll: blindPoll({ endsAt: NOW }) })).thenThrows(ConflictError, 'poll.not-active');
  });

  it('issues before startsAt, so a voter can get the credential long before voting', () => {
    spec.given([]).when(issue({ poll: blindPoll({ startsAt: '2030-01-05T00:00:00.000Z' }), now: OPENED_AT })).then([issued({ issuedAt: OPENED_AT })]);
  });

  it('refuses an unknown poll, another poll, and a malformed hash', () => {
    spec.given([]).when(issue({ poll: pollState([]) })).thenThrows(NotFoundError, 'poll.not-found');
    spec.given([]).when(issue({ pollId: 'poll-2' })).thenThrows(ValidationError, 'credential.poll-mismatch', 'pollId');
    spec.given([]).when(issue({ blindedMessageHash: 'xyz' })).thenThrows(ValidationError, 'credential.invalid-blinded-message', 'blindedMessage');
  });

  it('keeps the first issuance when a stream somehow holds two', () => {
    const state = spec.stateAfter([issued(), issued({ blindedMessageHash: 'c'.repeat(64) })]);
    expect(state).toEqual({ status: 'issued', pollId: POLL_ID, blindedMessageHash: HASH, issuedAt: NOW });
  });
});

describe('blind poll settings', () => {
  it('PollCreated records the credential key of a blind poll', () => {
    expect(blindCreated().data.credentialKey?.fingerprint).toBe(FINGERPRINT);
    expect(pollCreated().data).not.toHaveProperty('credentialKey');
  });
});
