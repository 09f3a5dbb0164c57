import { requireOneOf } from '../shared/validation.ts';
import type { PollSettingsInput } from './commands.ts';
import { POLL_CODES as C, pollInvalid } from './errors.ts';

/**
 * Blind-signed ballot credentials (RFC 9474). A poll with `anonymity: "blind"` gets an RSA key
 * pair of its own when it is created; PollCreated records the public half, so every reader of the
 * log (and an auditor offline) checks ballot credentials against the one key the log names.
 */
export const ANONYMITY = ['pseudonymous', 'blind'] as const;
export type Anonymity = (typeof ANONYMITY)[number];

/**
 * RSABSSA-SHA384-PSS-Randomized, the variant RFC 9474 section 5 recommends: the client prefixes
 * its message with 32 random bytes, so the server can never choose or predict what it signs.
 */
export const CREDENTIAL_SUITE = 'RSABSSA-SHA384-PSS-Randomized' as const;

export type CredentialKey = {
  suite: typeof CREDENTIAL_SUITE;
  /** base64url of the DER SubjectPublicKeyInfo (RSA-PSS, SHA-384). */
  publicKey: string;
  /** sha256 hex of the DER: what a voter or auditor compares out of band. */
  fingerprint: string;
};

/**
 * `anonymity` is stored only when it is `blind`, so polls without it read as before. Blind
 * credentials are for anonymous polls of logged-in voters: the credential replaces the account on
 * the ballot, which makes no sense for token or open polls or for a poll whose ballots name voters.
 */
export function validateAnonymity(input: Pick<PollSettingsInput, 'anonymity' | 'anonymous' | 'voterPolicy'>): { anonymity?: 'blind' } {
  const value = input.anonymity;
  if (value === null || value === undefined) return {};
  const field = 'settings.anonymity';
  const anonymity = requireOneOf(value, ANONYMITY, field, C.invalidSetting);
  if (!input.anonymous) throw pollInvalid(C.invalidSetting, field, `${field} "${anonymity}" needs anonymous: true`);
  if (anonymity === 'pseudonymous') return {};
  if (input.voterPolicy !== 'account' && input.voterPolicy !== 'verified') {
    throw pollInvalid(C.invalidSetting, field, `${field} "blind" is for voterPolicy account or verified`);
  }
  return { anonymity };
}

/** The key the handler generated, checked where it enters the log: present exactly when blind. */
export function validateCredentialKey(key: CredentialKey | undefined, blind: boolean): { credentialKey?: CredentialKey } {
  if (!blind) {
    if (key !== undefined) throw pollInvalid(C.invalidSetting, 'credentialKey', 'only a blind poll has a credential key');
    return {};
  }
  const ok = key !== undefined && key.suite === CREDENTIAL_SUITE && /^[A-Za-z0-9_-]{200,}$/.test(key.publicKey) && /^[0-9a-f]{64}$/.test(key.fingerprint);
  if (!ok) throw pollInvalid(C.invalidSetting, 'credentialKey', 'a blind poll needs its credential public key');
  return { credentialKey: { suite: key.suite, publicKey: key.publicKey, fingerprint: key.fingerprint } };
}
