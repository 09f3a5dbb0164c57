import type { DomainEvent } from '../shared/decider.ts';
import type { JsonObject } from '../shared/json.ts';
import type { Answer } from './answers.ts';
import type { BallotCredential } from './credential-voter.ts';

/**
 * Stream `ballot-<pollId>-<voterKey>`. For anonymous polls `voterKey` is a keyed hash made by the
 * caller and `accountId` is absent, so no ballot event names the person who cast it.
 */

/** Request facts for fraud detection and analytics; coarse on purpose (an IP prefix, not an IP). */
export type BallotMeta = {
  ipPrefix: string | null;
  device: string | null;
  country: string | null;
  userAgentHash: string | null;
};

type BallotContent = {
  ballotId: string;
  pollId: string;
  voterKey: string;
  /** Only on polls that are not anonymous, and only when the voter has an account. */
  accountId?: string;
  answers: readonly Answer[];
  meta: BallotMeta;
};

/**
 * How the voter behind a ballot was admitted, from the poll's voter policy: an `account` named by
 * its id, a `pseudonym` (an account behind a keyed hash, on anonymous polls), a one-time vote
 * `token`, a client `fingerprint` (open polls, the weakest), or a blind-signed `credential` (blind polls). `unknown` only comes from
 * upcasting a version-1 ballot whose voter key has none of the known prefixes (upcasters.ts).
 */
export const VOTER_KINDS = ['account', 'pseudonym', 'token', 'fingerprint', 'unknown', 'credential'] as const;
export type VoterKind = (typeof VOTER_KINDS)[number];

/** Version 2 (event-versions.ts): `voterKind` added; version-1 ballots are upcast on read. */
/** `credential` (blind polls only, optional in version 2): the unblinded message and signature the ballot was cast with. */
export type BallotCast = DomainEvent<'BallotCast', BallotContent & { castAt: string; voterKind: VoterKind; credential?: BallotCredential }>;

/** Carries the answers it replaces so a results projection can move the counts in one step. */
export type BallotChanged = DomainEvent<
  'BallotChanged',
  BallotContent & { previousAnswers: readonly Answer[]; changedAt: string }
>;

/** `flaggedBy` is `system` (velocity detection) or the id of the reviewer who flagged by hand. */
export type BallotFlagged = DomainEvent<
  'BallotFlagged',
  {
    flagId: string;
    ballotId: string;
    pollId: string;
    reasons: readonly string[];
    flaggedBy: string;
    details: JsonObject | null;
    flaggedAt: string;
  }
>;

export type FlagDecision = 'uphold' | 'reject';

/** `reject` takes the ballot out of the results; nothing is ever deleted from the log. */
export type FlagReviewed = DomainEvent<
  'FlagReviewed',
  {
    flagId: string;
    ballotId: string;
    pollId: string;
    decision: FlagDecision;
    note: string;
    reviewerId: string;
    reviewedAt: string;
  }
>;

export type BallotEvent = BallotCast | BallotChanged | BallotFlagged | FlagReviewed;
