import type { DomainEvent } from '../shared/decider.ts';

/**
 * Stream `credential-<pollId>-<accountId>`: that this account obtained its one blind signature for
 * this poll. The blinded message is uniformly random to anyone without the voter's blinding factor
 * (the signing key included), so neither its hash here nor the signature links to the ballot the
 * credential later casts. The hash makes a retry with the same blinded message recognisable.
 */
export type BallotCredentialIssued = DomainEvent<
  'BallotCredentialIssued',
  { pollId: string; accountId: string; blindedMessageHash: string; keyFingerprint: string; issuedAt: string }
>;

export type CredentialEvent = BallotCredentialIssued;
