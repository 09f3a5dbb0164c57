import { describe, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import { ConflictError } from '../shared/errors.ts';
import { firstAdminDecider, type ClaimFirstAdmin, type FirstAdminClaimed } from './first-admin.ts';

const spec = deciderSpec(firstAdminDecider);
const NOW = '2030-01-01T09:00:00.000Z';
const claim = (userId: string, abandonedClaimOf: string | null = null): ClaimFirstAdmin => ({
  type: 'ClaimFirstAdmin', data: { userId, abandonedClaimOf, now: NOW },
});
const claimed = (userId: string): FirstAdminClaimed => ({ type: 'FirstAdminClaimed', data: { userId, claimedAt: NOW } });

describe('ClaimFirstAdmin', () => {
  it('makes the first claimant the first admin', () => {
    spec.given([]).when(claim('u1')).then([claimed('u1')]);
  });

  it('does nothing when the same account claims again (a retried registration)', () => {
    spec.given([claimed('u1')]).when(claim('u1')).thenNothingHappens();
  });

  it('refuses a second account', () => {
    spec.given([claimed('u1')]).when(claim('u2')).thenThrows(ConflictError, 'bootstrap.first-admin-taken');
  });

  it('lets a claim whose account was never created be taken over, and the takeover then holds', () => {
    spec.given([claimed('u1')]).when(claim('u2', 'u1')).then([claimed('u2')]);
    spec.given([claimed('u1'), claimed('u2')]).when(claim('u3')).thenThrows(ConflictError, 'bootstrap.first-admin-taken');
  });

  it('never displaces a claim other than the one found abandoned (a retry after a concurrent takeover)', () => {
    spec.given([claimed('u1'), claimed('u2')]).when(claim('u3', 'u1')).thenThrows(ConflictError, 'bootstrap.first-admin-taken');
  });
});
