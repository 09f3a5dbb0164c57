import type { ExistingPollState } from '../../../domain/poll/state.ts';
import type { RawTally } from '../../../domain/results/raw.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/** Besides the poll's organizer, the roles that answer for the integrity of results. */
const RAW_ROLES = ['admin', 'auditor', 'reviewer'] as const;

export function maySeeRawTally(state: ExistingPollState, user: AuthUser | undefined): boolean {
  if (user === undefined) return false;
  return user.userId === state.poll.organizerId || RAW_ROLES.some((role) => user.roles.includes(role));
}

/** As the API shows it: positions are numbers there. */
export const rawView = (raw: RawTally) => ({ ...raw, position: Number(raw.position) });
