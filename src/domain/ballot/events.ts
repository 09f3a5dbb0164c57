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

/** `credential`: on blind polls, the unblinded message and signature the ballot was cast with. */
export type BallotCast = DomainEvent<'BallotCast', BallotContent & { castAt: string; credential?: BallotCredential }>;

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
