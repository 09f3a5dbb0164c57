import { createHash } from 'node:crypto';
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { LRUCache } from 'lru-cache';
import type { BallotCredential } from '../../domain/ballot/credential-voter.ts';
import { fromBase64Url, pollIdOfCredentialMessage } from '../../domain/credential/message.ts';
import type { CredentialKey } from '../../domain/poll/credential-key.ts';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { ForbiddenError, ValidationError } from '../../domain/shared/errors.ts';

const suite = RSABSSA.SHA384.PSS.Randomized();
type PublicKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
// Imported keys by fingerprint: the vote path verifies every credential ballot with one.
const imported = new LRUCache<string, Promise<PublicKey>>({ max: 1000 });

export function importCredentialKey(key: CredentialKey): Promise<PublicKey> {
  let cryptoKey = imported.get(key.fingerprint);
  if (!cryptoKey) {
    cryptoKey = crypto.subtle.importKey('spki', Buffer.from(key.publicKey, 'base64url'), { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
    imported.set(key.fingerprint, cryptoKey);
  }
  return cryptoKey;
}

const invalid = (field: string, why: string) =>
  new ForbiddenError('ballot.invalid-credential', `the ballot credential is not valid for this poll: ${why}`, { field: `credential.${field}` });

/**
 * The voter key of a credential ballot: `c.<sha256 of the signed message>`, once the signature
 * verifies under the poll's own key (the one PollCreated records). One credential, one key, one
 * ballot stream: a second cast with it loses on `no_stream` like any second ballot.
 */
export async function credentialVoterKey(poll: PollDefinition, credential: BallotCredential): Promise<string> {
  const key = poll.credentialKey;
  if (poll.settings.anonymity !== 'blind' || !key) {
    throw new ValidationError('ballot.credential-not-offered', 'this poll does not take ballot credentials', { field: 'credential' });
  }
  const message = fromBase64Url(credential.message);
  const signature = fromBase64Url(credential.signature);
  if (!message) throw invalid('message', 'the message is not base64url');
  const named = pollIdOfCredentialMessage(message);
  if (!named) throw invalid('message', 'the message is not a Pollster ballot credential');
  if (named !== poll.pollId.toLowerCase()) {
    throw new ForbiddenError('ballot.credential-other-poll', 'this credential was issued for another poll', { field: 'credential.message' });
  }
  const publicKey = await importCredentialKey(key);
  const expectedBytes = ((publicKey.algorithm as { modulusLength?: number }).modulusLength ?? 0) / 8;
  if (!signature || signature.length !== expectedBytes || !(await suite.verify(publicKey, signature, message))) {
    throw invalid('signature', "the signature does not verify with the poll's credential key");
  }
  return `c.${createHash('sha256').update(message).digest('hex')}`;
}
