import { ForbiddenError, ValidationError } from '../shared/errors.ts';
import type { PollDefinition } from '../poll/definition.ts';

/**
 * Ballots of blind polls are keyed by their credential (`c.<sha256 of the signed message>`) and by
 * nothing else: an account's own voter key there would be a second ballot for the same person.
 * The signature itself is checked by the handler (WebCrypto is asynchronous, deciders are not).
 */
export const CREDENTIAL_VOTER_KEY = /^c\.[0-9a-f]{64}$/;

/** What a credential ballot records: enough for an auditor to verify it offline with the poll's key. */
export type BallotCredential = { message: string; signature: string };

export function checkCredentialVoter(poll: PollDefinition, voterKey: string, credential: BallotCredential | undefined): { credential?: BallotCredential } {
  const blind = poll.settings.anonymity === 'blind';
  if (!blind) {
    if (voterKey.startsWith('c.') || credential !== undefined) {
      throw new ValidationError('ballot.credential-not-offered', 'this poll does not take ballot credentials', { field: 'credential' });
    }
    return {};
  }
  if (!CREDENTIAL_VOTER_KEY.test(voterKey) || credential === undefined) {
    throw new ForbiddenError('ballot.credential-required', 'this poll takes ballots cast with a blind credential (POST /api/polls/{pollId}/credentials)', { field: 'credential' });
  }
  return { credential: { message: credential.message, signature: credential.signature } };
}
