import type { Decider, DomainCommand, DomainEvent } from '../shared/decider.ts';
import { assertNever } from '../shared/decider.ts';
import { ConflictError } from '../shared/errors.ts';
import { toIso, type Instant } from '../shared/time.ts';
import { requireId } from '../shared/validation.ts';

/**
 * Stream `bootstrap-first-admin`: who became the admin of an empty system. API.md makes the first
 * account an admin; two first registrations at once must not both become one, so the candidate
 * claims this stream with expected revision `no_stream` and the store picks exactly one winner.
 *
 * `abandonedClaimOf`: the handler found that the account named by the existing claim was never
 * created (its registration failed after claiming) and holds no credentials; that claim may then
 * be taken over, or one failed first registration would leave a system with no admin. It names
 * the claimant it checked, so a retry after a concurrent takeover never displaces a live claim;
 * the takeover is appended at the revision read, so it too has exactly one winner.
 */
export type ClaimFirstAdmin = DomainCommand<
  'ClaimFirstAdmin',
  { userId: string; abandonedClaimOf: string | null; now: Instant }
>;

export type FirstAdminClaimed = DomainEvent<'FirstAdminClaimed', { userId: string; claimedAt: string }>;

export type FirstAdminState = { status: 'unclaimed' } | { status: 'claimed'; userId: string };

export const FIRST_ADMIN_CODES = { taken: 'bootstrap.first-admin-taken' } as const;

function decideFirstAdmin(command: ClaimFirstAdmin, state: FirstAdminState): FirstAdminClaimed[] {
  switch (command.type) {
    case 'ClaimFirstAdmin':
      break;
    default:
      return assertNever(command.type, 'first admin command');
  }
  const { userId, abandonedClaimOf, now } = command.data;
  const claimed: FirstAdminClaimed = {
    type: 'FirstAdminClaimed',
    data: { userId: requireId(userId, 'userId'), claimedAt: toIso(now, 'now') },
  };
  switch (state.status) {
    case 'unclaimed':
      return [claimed];
    case 'claimed':
      if (state.userId === userId) return [];
      if (abandonedClaimOf === state.userId) return [claimed];
      throw new ConflictError(FIRST_ADMIN_CODES.taken, 'the first admin of this system has been claimed already');
    default:
      return assertNever(state, 'first admin status');
  }
}

/** The latest claim wins: a takeover replaces an abandoned claim. */
function evolveFirstAdmin(_state: FirstAdminState, event: FirstAdminClaimed): FirstAdminState {
  switch (event.type) {
    case 'FirstAdminClaimed':
      return { status: 'claimed', userId: event.data.userId };
    default:
      return assertNever(event.type, 'first admin event');
  }
}

export const firstAdminDecider: Decider<ClaimFirstAdmin, FirstAdminClaimed, FirstAdminState> = {
  decide: decideFirstAdmin,
  evolve: evolveFirstAdmin,
  initialState: () => ({ status: 'unclaimed' }),
};
