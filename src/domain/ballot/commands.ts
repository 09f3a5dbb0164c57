import type { DomainCommand } from '../shared/decider.ts';
import type { JsonObject } from '../shared/json.ts';
import type { Instant } from '../shared/time.ts';
import type { PollState } from '../poll/state.ts';
import type { AnswerInput } from './answers.ts';
import type { FlagDecision } from './events.ts';
import type { BallotCredential } from './credential-voter.ts';

/** Request facts the API collects; all optional because an edge may not know them. */
export type BallotMetaInput = { ipPrefix?: string; device?: string; country?: string; userAgentHash?: string };

/**
 * The ballot decider needs the poll (questions, settings, status) to judge a ballot. The handler
 * passes the folded poll stream it keeps cached, so the vote path never writes to the hot poll
 * stream. `voterKey` is made by the caller (ARCHITECTURE.md): `u.<userId>`, `t.<sha256(token)>`,
 * or a keyed hash on anonymous polls.
 */
type BallotInput = {
  pollId: string;
  voterKey: string;
  /** The voter's account; dropped by the decider on anonymous polls, never stored there. */
  accountId?: string;
  answers: readonly AnswerInput[];
  poll: PollState;
  /**
   * Token polls: whether the vote token behind `voterKey` (`t.<hash>`) was issued for this poll,
   * as the handler found it in the vote token registry (the poll state only counts tokens).
   * Absent or false: the ballot is refused as an invalid vote token.
   */
  voteTokenIssued?: boolean;
  now: Instant;
  meta?: BallotMetaInput;
  /** Blind polls: the credential the handler verified; `voterKey` is the hash of its message. */
  credential?: BallotCredential;
};

export type CastBallot = DomainCommand<'CastBallot', BallotInput & { ballotId: string }>;

/** The ballot keeps its id across changes; a given `ballotId` must be that id. */
export type ChangeBallot = DomainCommand<'ChangeBallot', BallotInput & { ballotId?: string }>;

export type FlagSuspicious = DomainCommand<
  'FlagSuspicious',
  { flagId: string; ballotId: string; reasons: readonly string[]; flaggedBy: string; details?: JsonObject; now: Instant }
>;

export type ReviewFlag = DomainCommand<
  'ReviewFlag',
  { flagId: string; decision: FlagDecision; note: string; reviewerId: string; now: Instant }
>;

export type BallotCommand = CastBallot | ChangeBallot | FlagSuspicious | ReviewFlag;
