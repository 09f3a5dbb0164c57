import { describe, expect, it } from 'vitest';
import {
  BALLOT_ID, LATER, ballotCast, ballotFlagged, flagSuspicious as flag, reviewFlag as review,
} from '../../testing/ballot-fixtures.ts';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { POLL_ID } from '../../testing/poll-fixtures.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { ballotDecider } from './decider.ts';
import type { FlagReviewed } from './events.ts';

const spec = deciderSpec(ballotDecider);
const reviewed = (decision: 'uphold' | 'reject', flagId = 'flag-1'): FlagReviewed => ({
  type: 'FlagReviewed',
  data: { flagId, ballotId: BALLOT_ID, pollId: POLL_ID, decision, note: 'same /24 as 300 others',
    reviewerId: 'user-reviewer', reviewedAt: LATER },
});

describe('FlagSuspicious', () => {
  it('flags a cast ballot', () => {
    spec.given([ballotCast()]).when(flag()).then([ballotFlagged()]);
  });

  it('keeps the detector’s details', () => {
    const details = { ipPrefix: '203.0.113.0/24', count: 51, windowSeconds: 600 };
    spec.given([ballotCast()]).when(flag({ details, flaggedBy: 'user-reviewer', reasons: [' velocity '] })).then([
      { ...ballotFlagged(), data: { ...ballotFlagged().data, details, flaggedBy: 'user-reviewer' } },
    ]);
  });

  it('allows several flags on one ballot, even after one was decided', () => {
    spec.given([ballotCast(), ballotFlagged(), reviewed('reject')]).when(flag({ flagId: 'flag-2' }))
      .then([ballotFlagged('flag-2')]);
  });

  it('rejects a flag id used before', () => {
    spec.given([ballotCast(), ballotFlagged()]).when(flag()).thenThrows(ConflictError, 'flag.already-exists', 'flagId');
  });

  it('rejects flagging a ballot that does not exist', () => {
    spec.given([]).when(flag()).thenThrows(NotFoundError, 'ballot.not-found');
    spec.given([ballotCast()]).when(flag({ ballotId: 'ballot-9' })).thenThrows(NotFoundError, 'ballot.not-found');
  });

  it('requires at least one non-empty reason', () => {
    spec.given([ballotCast()]).when(flag({ reasons: [] })).thenThrows(ValidationError, 'flag.invalid-reasons', 'reasons');
    spec.given([ballotCast()]).when(flag({ reasons: ['velocity', ' '] }))
      .thenThrows(ValidationError, 'flag.invalid-reasons', 'reasons[1]');
  });
});

describe('ReviewFlag', () => {
  it('records an uphold or a reject decision', () => {
    spec.given([ballotCast(), ballotFlagged()]).when(review({ decision: 'uphold' })).then([reviewed('uphold')]);
    spec.given([ballotCast(), ballotFlagged()]).when(review()).then([reviewed('reject')]);
  });

  it('decides one flag of several', () => {
    spec.given([ballotCast(), ballotFlagged(), ballotFlagged('flag-2')]).when(review({ flagId: 'flag-2' }))
      .then([reviewed('reject', 'flag-2')]);
  });

  it('rejects an unknown flag', () => {
    spec.given([ballotCast()]).when(review()).thenThrows(NotFoundError, 'flag.not-found');
    spec.given([]).when(review()).thenThrows(NotFoundError, 'flag.not-found');
  });

  it('rejects a flag already decided', () => {
    spec.given([ballotCast(), ballotFlagged(), reviewed('uphold')]).when(review())
      .thenThrows(ConflictError, 'flag.already-decided');
  });

  it('rejects an unknown decision', () => {
    spec.given([ballotCast(), ballotFlagged()]).when(review({ decision: 'maybe' as never }))
      .thenThrows(ValidationError, 'flag.invalid-decision', 'decision');
  });

  it('keeps decided flags in the state: flags are never deleted', () => {
    const state = spec.stateAfter([ballotCast(), ballotFlagged(), reviewed('reject')]);
    expect(state.status === 'cast' && state.flags).toEqual([{
      flagId: 'flag-1', reasons: ['velocity'], flaggedBy: 'system', flaggedAt: LATER,
      status: 'rejected', reviewerId: 'user-reviewer', note: 'same /24 as 300 others', reviewedAt: LATER,
    }]);
  });
});
