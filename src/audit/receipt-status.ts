/**
 * What a receipt says about its ballot, from the ballot stream alone (pure: the API and the
 * offline verifier share it). The receipt names an event; its ballot event is the BallotCast or
 * BallotChanged at or before it (a cast flagged at once has its receipt on the BallotFlagged).
 */
export type ReceiptStatus = 'counted' | 'flagged' | 'changed' | 'rejected' | 'after-close';

export interface BallotStreamEvent {
  revision: bigint;
  position: bigint;
  type: string;
  data: unknown;
}

export interface ReceiptBallot {
  ballotId: string;
  eventType: 'BallotCast' | 'BallotChanged';
  eventPosition: bigint;
  status: ReceiptStatus;
  /** Position of the later BallotChanged that replaced these answers (status `changed`). */
  changedAt?: bigint;
  rejectedAt?: bigint;
}

const isBallotEvent = (e: BallotStreamEvent): e is BallotStreamEvent & { type: 'BallotCast' | 'BallotChanged' } =>
  e.type === 'BallotCast' || e.type === 'BallotChanged';

/**
 * Precedence: rejected (out of the results for good) > after-close (never counted) > changed
 * (these answers were replaced) > flagged (counted, pending review) > counted.
 * `closedAt` is the position of the poll's PollClosed, if any.
 */
export function receiptBallot(stream: readonly BallotStreamEvent[], revision: bigint, closedAt: bigint | undefined): ReceiptBallot | undefined {
  const ordered = [...stream].sort((a, b) => (a.revision < b.revision ? -1 : 1));
  const own = ordered.filter((e) => e.revision <= revision && isBallotEvent(e)).at(-1);
  if (own === undefined || !isBallotEvent(own)) return undefined;
  const ballotId = String((own.data as { ballotId?: unknown }).ballotId);
  const later = ordered.filter((e) => e.revision > own.revision);
  const base = { ballotId, eventType: own.type, eventPosition: own.position };
  const rejected = ordered.find((e) => e.type === 'FlagReviewed' && (e.data as { decision?: unknown }).decision === 'reject');
  if (rejected) return { ...base, status: 'rejected', rejectedAt: rejected.position };
  const cast = ordered.find((e) => e.type === 'BallotCast');
  if (closedAt !== undefined && cast !== undefined && cast.position > closedAt) return { ...base, status: 'after-close' };
  const changed = later.find((e) => e.type === 'BallotChanged' && (closedAt === undefined || e.position < closedAt));
  if (changed) return { ...base, status: 'changed', changedAt: changed.position };
  const flags = new Set<string>();
  for (const e of ordered) {
    const flagId = String((e.data as { flagId?: unknown }).flagId);
    if (e.type === 'BallotFlagged') flags.add(flagId);
    if (e.type === 'FlagReviewed') flags.delete(flagId);
  }
  return { ...base, status: flags.size > 0 ? 'flagged' : 'counted' };
}
