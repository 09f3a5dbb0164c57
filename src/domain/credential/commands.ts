import type { DomainCommand } from '../shared/decider.ts';
import type { Instant } from '../shared/time.ts';
import type { PollState } from '../poll/state.ts';

/**
 * An authenticated voter asks for the blind signature of a message only they know. The handler
 * passes the cached poll and the eligibility fact the poll's voter policy needs (read from the
 * account's own stream), so the decider stays pure.
 */
export type IssueBallotCredential = DomainCommand<
  'IssueBallotCredential',
  {
    pollId: string;
    accountId: string;
    poll: PollState;
    /** sha256 hex of the blinded message; the message itself is signed, never stored. */
    blindedMessageHash: string;
    /** Whether the account has a verified national id; only `verified` polls ask. */
    nationalIdVerified: boolean;
    now: Instant;
  }
>;

export type CredentialCommand = IssueBallotCredential;
