import type { FastifyRequest } from 'fastify';
import { credentialVoterKey } from '../../../commands/credentials/verify-credential.ts';
import type { BallotCredential } from '../../../domain/ballot/credential-voter.ts';
import type { PollDefinition } from '../../../domain/poll/definition.ts';
import { ForbiddenError, ValidationError } from '../../../domain/shared/errors.ts';

/**
 * The voter of a blind poll is its credential, and nothing about the request may name the
 * account: a credential sent along with a bearer token would hand the server the very link blind
 * signatures exist to withhold, so it is refused before anything is recorded (the client is
 * broken; README, "Blind ballot credentials").
 */
export async function credentialVoter(request: FastifyRequest, poll: PollDefinition, credential: BallotCredential | undefined) {
  if (credential === undefined) {
    throw new ForbiddenError('ballot.credential-required', 'this poll takes ballots cast with a blind credential (POST /api/polls/{pollId}/credentials), without a login', { field: 'credential' });
  }
  if (request.headers.authorization !== undefined) {
    throw new ValidationError('ballot.credential-with-account', 'send a credential ballot without an Authorization header: with it, the server would learn whose ballot it is', { field: 'headers.authorization' });
  }
  return { voterKey: await credentialVoterKey(poll, credential), credential };
}

/** getMyBallot's `Ballot-Credential: <message>.<signature>` header. */
export function credentialHeader(value: string | string[] | undefined): BallotCredential | undefined {
  if (typeof value !== 'string') return undefined;
  const [message = '', signature = ''] = value.split('.');
  return { message, signature };
}
