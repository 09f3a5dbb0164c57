import { describe, expect, it } from 'vitest';
import { answers, ballotCast, ballotFlagged, BALLOT_ID, LATER, VOTER_KEY } from '../../testing/ballot-fixtures.ts';
import { POLL_ID } from '../../testing/poll-fixtures.ts';
import type { BallotEvent } from '../../domain/ballot/events.ts';
import type { RecordedEvent } from '../../event-store/port.ts';
import { myBallotFrom } from './my-ballot.ts';
import { receiptFor } from '../../domain/ballot/receipt.ts';

const CAST_REQUEST = 'request-of-the-cast';
function recorded(event: BallotEvent, position: bigint, metadata: RecordedEvent['metadata'] = { actor: 'user:u1', correlationId: `request-${position}` }): RecordedEvent {
  return {
    id: `event-${position}`, stream: `ballot-${POLL_ID}-${VOTER_KEY}`, revision: 0n, position,
    type: event.type, data: event.data, metadata, recordedAt: new Date(0), hash: position.toString(16).padStart(64, '0'),
  };
}
const stream = (...events: RecordedEvent[]) => events.map((e, i) => ({ ...e, revision: BigInt(i) }));
const receiptOf = (event: RecordedEvent) => receiptFor(event.position, event.hash!);

const cast = (position = 10n) => recorded(ballotCast(), position, { actor: 'user:u1', correlationId: CAST_REQUEST });
const newAnswers = [{ questionId: 'q-single', optionIds: ['o-sushi'] }];
const changed = (position: bigint) =>
  recorded({
    type: 'BallotChanged',
    data: { ...ballotCast().data, answers: newAnswers, previousAnswers: answers(), changedAt: LATER },
  } as BallotEvent, position);
const systemFlag = (position: bigint, correlationId = CAST_REQUEST) =>
  recorded(ballotFlagged('flag-1'), position, { actor: 'system', correlationId });
const reviewed = (position: bigint, decision: 'uphold' | 'reject') =>
  recorded({
    type: 'FlagReviewed',
    data: { flagId: 'flag-1', ballotId: BALLOT_ID, pollId: POLL_ID, decision, note: '', reviewerId: 'r1', reviewedAt: LATER },
  }, position, { actor: 'user:r1', correlationId: 'review' });

describe('myBallotFrom', () => {
  it('no ballot in the stream: undefined', () => {
    expect(myBallotFrom([], undefined)).toBeUndefined();
  });

  it('a cast: counted, its answers, its receipt', () => {
    const events = stream(cast());
    expect(myBallotFrom(events, undefined)).toEqual({
      ballotId: BALLOT_ID, pollId: POLL_ID, status: 'counted', answers: answers(), castAt: ballotCast().data.castAt,
      voterKind: 'account', changedAt: null, receipt: receiptOf(events[0]!), position: 10n,
    });
  });

  it('flagged in the cast\'s own append: the receipt is the flag\'s, as castBallot answered; a reviewer\'s later flag is not', () => {
    const atOnce = stream(cast(), systemFlag(11n));
    expect(myBallotFrom(atOnce, undefined)).toMatchObject({ status: 'flagged-pending', receipt: receiptOf(atOnce[1]!), position: 11n });
    const byReviewer = stream(cast(), recorded(ballotFlagged('flag-1'), 40n, { actor: 'user:r1', correlationId: 'review' }));
    expect(myBallotFrom(byReviewer, undefined)).toMatchObject({ status: 'flagged-pending', receipt: receiptOf(byReviewer[0]!), position: 10n });
    const otherRequest = stream(cast(), systemFlag(41n, 'another-request'));
    expect(myBallotFrom(otherRequest, undefined)).toMatchObject({ position: 10n });
  });

  it('a reviewer\'s decision: rejected stops counting, upheld counts again', () => {
    expect(myBallotFrom(stream(cast(), systemFlag(11n), reviewed(50n, 'reject')), undefined)?.status).toBe('rejected');
    expect(myBallotFrom(stream(cast(), systemFlag(11n), reviewed(50n, 'uphold')), undefined)?.status).toBe('counted');
  });

  it('a change before the close: changed, its answers, its receipt and time', () => {
    const events = stream(cast(), changed(20n));
    expect(myBallotFrom(events, 30n)).toMatchObject({
      status: 'changed', answers: newAnswers, changedAt: LATER, receipt: receiptOf(events[1]!), position: 20n,
    });
  });

  it('a change after the close moves nothing: the cast stands, as in the results', () => {
    const events = stream(cast(), changed(20n));
    expect(myBallotFrom(events, 15n)).toMatchObject({ status: 'counted', answers: answers(), changedAt: null, position: 10n });
  });

  it('a cast after the close: after-close, with the answers it was cast with; later flags do not revive it', () => {
    expect(myBallotFrom(stream(cast()), 5n)).toMatchObject({ status: 'after-close', answers: answers(), position: 10n });
    expect(myBallotFrom(stream(cast(), changed(20n), systemFlag(21n, 'x')), 5n)).toMatchObject({ status: 'after-close', changedAt: null });
  });
});
