import { describe, expect, it } from 'vitest';
import { CAST_AT, LATER, ballotCast, castBallot as cast, changeBallot as change } from '../../testing/ballot-fixtures.ts';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { createPollCommand, pollCreated, pollDefinition, pollOpened, pollState, settingsInput } from '../../testing/poll-fixtures.ts';
import { pollDecider } from '../poll/decider.ts';
import { CREDENTIAL_SUITE } from '../poll/credential-key.ts';
import type { PollSettings } from '../poll/definition.ts';
import { ConflictError, ForbiddenError, ValidationError } from '../shared/errors.ts';
import { ballotDecider } from './decider.ts';

const spec = deciderSpec(ballotDecider);
const credentialKey = { suite: CREDENTIAL_SUITE, publicKey: 'A'.repeat(400), fingerprint: 'f'.repeat(64) };
const blindPoll = (settings: Partial<PollSettings> = {}) => pollState([
  { type: 'PollCreated', data: { ...pollDefinition({ anonymous: true, anonymity: 'blind', ...settings }), credentialKey } },
  pollOpened(),
]);
const KEY = `c.${'9'.repeat(64)}`;
const credential = { message: 'bWVzc2FnZQ', signature: 'c2lnbmF0dXJl' };

describe('ballots of blind polls', () => {
  it('records the credential with the ballot, keyed by the hash of its message and naming no account', () => {
    spec.given([]).when(cast({ poll: blindPoll(), voterKey: KEY, credential, accountId: 'user-42' }))
      .then([ballotCast({ voterKey: KEY, credential, voterKind: 'credential' })]);
  });

  it('refuses a ballot without a credential, or keyed by anything but one', () => {
    spec.given([]).when(cast({ poll: blindPoll(), voterKey: KEY })).thenThrows(ForbiddenError, 'ballot.credential-required', 'credential');
    spec.given([]).when(cast({ poll: blindPoll(), voterKey: `a.${'9'.repeat(64)}`, credential }))
      .thenThrows(ForbiddenError, 'ballot.credential-required', 'credential');
  });

  it('refuses a credential on a poll that does not take them', () => {
    spec.given([]).when(cast({ voterKey: KEY, credential })).thenThrows(ValidationError, 'ballot.credential-not-offered', 'credential');
  });

  it('changes a vote with the same credential where the poll allows it, without storing the credential again', () => {
    const [event] = ballotDecider.decide(
      change({ poll: blindPoll({ allowChangeVote: true }), voterKey: KEY, credential }),
      spec.stateAfter([ballotCast({ voterKey: KEY, credential, castAt: CAST_AT })]),
    );
    expect(event).toMatchObject({ type: 'BallotChanged', data: { voterKey: KEY, changedAt: LATER } });
    expect(event?.data).not.toHaveProperty('credential');
    spec.given([ballotCast({ voterKey: KEY, credential })]).when(change({ poll: blindPoll(), voterKey: KEY, credential }))
      .thenThrows(ConflictError, 'ballot.change-not-allowed');
  });
});

describe('CreatePoll with anonymity', () => {
  const pollSpec = deciderSpec(pollDecider);
  const blindSettings = settingsInput({ anonymous: true, anonymity: 'blind' });

  it('records anonymity "blind" and the credential key', () => {
    pollSpec.given([]).when(createPollCommand({ settings: blindSettings, credentialKey }))
      .then([{ type: 'PollCreated', data: { ...pollCreated({ anonymous: true, anonymity: 'blind' }).data, credentialKey } }]);
  });

  it('stores nothing for "pseudonymous", which is what anonymous polls are', () => {
    pollSpec.given([]).when(createPollCommand({ settings: settingsInput({ anonymous: true, anonymity: 'pseudonymous' }) }))
      .then([pollCreated({ anonymous: true })]);
  });

  it('refuses blind without anonymous, on token or open polls, and without or with a stray key', () => {
    const refused = (settings: ReturnType<typeof settingsInput>, key: typeof credentialKey | null = credentialKey, field = 'settings.anonymity') =>
      pollSpec.given([]).when(createPollCommand({ settings, ...(key ? { credentialKey: key } : {}) })).thenThrows(ValidationError, 'poll.invalid-setting', field);
    refused(settingsInput({ anonymity: 'blind' }));
    refused(settingsInput({ anonymous: true, anonymity: 'blind', voterPolicy: 'token' }));
    refused(settingsInput({ anonymous: true, anonymity: 'blind', voterPolicy: 'open' }));
    refused(blindSettings, null, 'credentialKey');
    refused(settingsInput({ anonymous: true }), credentialKey, 'credentialKey');
  });
});
