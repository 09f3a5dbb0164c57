import { createHash } from 'node:crypto';
import { credentialDecider } from '../../domain/credential/decider.ts';
import { credentialNotOffered } from '../../domain/credential/errors.ts';
import { fromBase64Url } from '../../domain/credential/message.ts';
import { pollNotFound } from '../../domain/poll/errors.ts';
import { ValidationError } from '../../domain/shared/errors.ts';
import { credentialStream } from '../../domain/shared/streams.ts';
import type { CommandDeps } from '../command-deps.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { isNationalIdVerified } from '../users/national-id-verified.ts';
import type { CredentialKeys } from '../../adapters/credential-keys.ts';

export interface CredentialRequest {
  pollId: string;
  accountId: string;
  /** base64url, as the client sent it. */
  blindedMessage: string;
}

/**
 * IssueBallotCredential: the account's one blind signature for this poll. The signer is loaded
 * and the blinded message checked before anything is written, so a recorded issuance is always
 * one the server can sign; the issuance is appended (`no_stream` on the account's credential
 * stream) before signing, so a refused second request never sees a signature. A retry with the
 * same blinded message writes nothing and signs it again: the same blind signature.
 */
export async function issueBallotCredential(
  deps: CommandDeps,
  keys: CredentialKeys,
  request: CredentialRequest,
  context: CommandContext,
): Promise<{ blindSignature: string; keyFingerprint: string; position: bigint | undefined }> {
  const poll = await deps.polls.get(request.pollId);
  if (poll.status === 'none') throw pollNotFound(request.pollId);
  const blinded = fromBase64Url(request.blindedMessage);
  if (!blinded) throw new ValidationError('credential.invalid-blinded-message', 'blindedMessage must be base64url', { field: 'blindedMessage' });
  const command = {
    type: 'IssueBallotCredential' as const,
    data: {
      pollId: request.pollId,
      accountId: request.accountId,
      poll,
      blindedMessageHash: createHash('sha256').update(blinded).digest('hex'),
      nationalIdVerified: poll.poll.settings.voterPolicy === 'verified' && (await isNationalIdVerified(deps, request.accountId)),
      now: deps.now(),
    },
  };
  if (poll.poll.settings.anonymity !== 'blind') throw credentialNotOffered(request.pollId);
  const signer = await keys.signer(poll.poll);
  signer.check(blinded);
  const { appended } = await handleCommand(deps.store, credentialDecider, credentialStream(request.pollId, request.accountId), command, context);
  return {
    blindSignature: signer.blindSign(blinded).toString('base64url'),
    keyFingerprint: poll.poll.credentialKey!.fingerprint,
    position: appended?.position,
  };
}
