import type { Answer } from '../../domain/ballot/answers.ts';
import type { BallotEvent, VoterKind } from '../../domain/ballot/events.ts';
import { evolveBallot, isBallotEvent, type BallotStanding, type PollStanding } from '../../domain/results/standing.ts';
import type { RecordedEvent } from '../../event-store/port.ts';
import { toDomainEvent } from '../../event-store/aggregate-stream.ts';
import { ballotReceipt } from '../../domain/ballot/receipt.ts';

/**
 * Where a voter's ballot stands, as the results count it:
 * - `counted`: it counts with the answers it was cast with;
 * - `changed`: it counts with the answers of its latest change before the close;
 * - `flagged-pending`: it counts for now, and a flag awaits a reviewer;
 * - `rejected`: a reviewer rejected a flag of it, it no longer counts;
 * - `after-close`: it reached the log after the poll's PollClosed (its castBallot got
 *   poll-not-active), and never counts.
 */
export const MY_BALLOT_STATUSES = ['counted', 'changed', 'flagged-pending', 'rejected', 'after-close'] as const;
export type MyBallotStatus = (typeof MY_BALLOT_STATUSES)[number];

export interface MyBallot {
  ballotId: string;
  pollId: string;
  status: MyBallotStatus;
  /**
   * The answers that count (for `after-close`: the answers as cast, which do not). getMyBallot
   * leaves them out on open polls.
   */
  answers?: readonly Answer[];
  castAt: string;
  /** How the voter was admitted (BallotCast version 2; a version-1 ballot's comes from its voter key). */
  voterKind: VoterKind;
  /** The change whose answers count; null while the cast's answers stand. */
  changedAt: string | null;
  /** What castBallot, or changeBallot for a change, answered for the write whose answers stand. */
  receipt: string;
  position: bigint;
}

/**
 * The very fold the results projection runs (src/domain/results/standing.ts), so what a voter is
 * told about their ballot and what the tally does with it cannot disagree.
 */
export function myBallotFrom(history: readonly RecordedEvent[], closedPosition: bigint | undefined): MyBallot | undefined {
  const [cast] = history;
  if (cast?.type !== 'BallotCast') return undefined;
  const castData = toDomainEvent<Extract<BallotEvent, { type: 'BallotCast' }>>(cast).data;
  const poll: PollStanding = {
    pollId: castData.pollId,
    questions: [],
    status: closedPosition === undefined ? 'active' : 'closed',
    closedPosition: closedPosition ?? null,
    position: 0n,
  };
  let standing: BallotStanding | undefined;
  let standingChange: RecordedEvent | undefined;
  for (const event of history) {
    if (!isBallotEvent(event)) continue;
    const before = standing;
    standing = evolveBallot(standing, { ...toDomainEvent<BallotEvent>(event), position: event.position }, poll);
    // A change after the close leaves the answers as they were: it is not the one that counts.
    if (event.type === 'BallotChanged' && standing?.answers !== before?.answers) standingChange = event;
  }
  if (standing === undefined) return undefined;
  const write = standingChange ?? endOfCastAppend(history);
  const changeData = standingChange && toDomainEvent<Extract<BallotEvent, { type: 'BallotChanged' }>>(standingChange).data;
  return {
    ballotId: castData.ballotId,
    pollId: castData.pollId,
    status: statusOf(standing, standingChange !== undefined),
    answers: standing.answers ?? castData.answers,
    castAt: castData.castAt,
    voterKind: castData.voterKind,
    changedAt: changeData?.changedAt ?? null,
    receipt: ballotReceipt(write),
    position: write.position,
  };
}

function statusOf(standing: BallotStanding, changed: boolean): MyBallotStatus {
  if (standing.answers === null) return 'after-close';
  if (standing.rejected) return 'rejected';
  if (standing.pendingFlags.length > 0) return 'flagged-pending';
  return changed ? 'changed' : 'counted';
}

/**
 * castBallot's receipt is that of the last event of its append: the BallotCast, or the
 * BallotFlagged that fraud detection appended with it (src/commands/fraud/flag-on-cast.ts). That
 * flag is the only system flag there is, and it shares the cast's request, which a reviewer's
 * later flag never does; so the receipt can be derived again, exactly, from the stream.
 */
function endOfCastAppend(history: readonly RecordedEvent[]): RecordedEvent {
  const [cast, next] = history as [RecordedEvent, ...RecordedEvent[]];
  const flaggedWithCast =
    next?.type === 'BallotFlagged' &&
    next.metadata.actor === 'system' &&
    next.metadata.correlationId !== undefined &&
    next.metadata.correlationId === cast.metadata.correlationId;
  return flaggedWithCast ? next : cast;
}
