import { assertNever } from '../shared/decider.ts';
import { ValidationError } from '../shared/errors.ts';
import { toIso, toMillis } from '../shared/time.ts';
import { requireId } from '../shared/validation.ts';
import { pollNotActive, pollNotFound } from '../poll/errors.ts';
import type { CredentialCommand, IssueBallotCredential } from './commands.ts';
import type { CredentialState } from './state.ts';
import { CREDENTIAL_CODES, credentialAlreadyIssued, credentialNotOffered, credentialVerificationRequired } from './errors.ts';
import type { BallotCredentialIssued, CredentialEvent } from './events.ts';

/**
 * One account's ballot credential for one poll (stream `credential-<pollId>-<accountId>`): issued
 * at most once. The first issuance appends with `no_stream`, so two requests racing each other
 * meet in the store and the loser is refused here on its retry. The same blinded message again is
 * a retry of the issuance (the answer was lost): nothing new is written and the handler signs it
 * again, which gives the same blind signature.
 */
export function decide(command: CredentialCommand, state: CredentialState): CredentialEvent[] {
  switch (command.type) {
    case 'IssueBallotCredential':
      return issue(command.data, state);
    default:
      return assertNever(command.type, 'credential command');
  }
}

function issue(command: IssueBallotCredential['data'], state: CredentialState): BallotCredentialIssued[] {
  const { poll } = command;
  if (poll.status === 'none') throw pollNotFound(command.pollId);
  if (poll.poll.pollId !== command.pollId) throw new ValidationError('credential.poll-mismatch', 'the poll does not match the credential', { field: 'pollId' });
  const key = poll.poll.credentialKey;
  if (poll.poll.settings.anonymity !== 'blind' || !key) throw credentialNotOffered(command.pollId);
  const hash = command.blindedMessageHash;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new ValidationError(CREDENTIAL_CODES.invalidBlindedMessage, 'blindedMessageHash must be a sha256 hex digest', { field: 'blindedMessage' });
  }
  if (state.status === 'issued') {
    if (state.blindedMessageHash === hash) return [];
    throw credentialAlreadyIssued(command.pollId);
  }
  // Issued while the poll takes ballots or will: before startsAt too, so a careful voter can
  // obtain a credential long before casting with it (README, "Blind ballot credentials").
  const issuedAt = toIso(command.now, 'now');
  const { endsAt } = poll.poll.settings;
  if (poll.status !== 'active' || (endsAt !== null && toMillis(issuedAt) >= toMillis(endsAt))) throw pollNotActive(command.pollId);
  if (poll.poll.settings.voterPolicy === 'verified' && !command.nationalIdVerified) throw credentialVerificationRequired();
  const accountId = requireId(command.accountId, 'accountId');
  return [{
    type: 'BallotCredentialIssued',
    data: { pollId: poll.poll.pollId, accountId, blindedMessageHash: hash, keyFingerprint: key.fingerprint, issuedAt },
  }];
}
