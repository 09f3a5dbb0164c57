import { describe, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { ConflictError } from '../shared/errors.ts';
import type { ClaimNationalId } from './commands.ts';
import { nationalIdDecider } from './decider.ts';
import type { NationalIdClaimed } from './events.ts';

const spec = deciderSpec(nationalIdDecider);
const NOW = '2030-01-01T09:00:00.000Z';
const claim = (userId: string): ClaimNationalId => ({
  type: 'ClaimNationalId', data: { nationalIdHash: 'hmac-1', userId, now: new Date(NOW) },
});
const claimed = (userId: string): NationalIdClaimed => ({
  type: 'NationalIdClaimed', data: { nationalIdHash: 'hmac-1', userId, claimedAt: NOW },
});

describe('ClaimNationalId', () => {
  it('links an unclaimed national id to the user', () => {
    spec.given([]).when(claim('u1')).then([claimed('u1')]);
  });

  it('does nothing when the same user claims again', () => {
    spec.given([claimed('u1')]).when(claim('u1')).thenNothingHappens();
  });

  it('rejects a claim by another user', () => {
    spec.given([claimed('u1')]).when(claim('u2')).thenThrows(ConflictError, 'national-id.taken');
  });
});
