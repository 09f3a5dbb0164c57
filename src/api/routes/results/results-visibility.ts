import type { ExistingPollState } from '../../../domain/poll/state.ts';
import { ForbiddenError } from '../../../domain/shared/errors.ts';
import { assertPollVisible } from '../../poll-access.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/** Roles that see results a poll hides until its close (issue 4), besides the poll's organizer. */
const ALWAYS_SEE = ['admin', 'auditor', 'analyst'] as const;

/**
 * Who may see a poll's results, shared by getResults and the live edge (websocket, SSE) so the
 * two can never disagree: a draft follows the one draft rule (poll-access.ts: 404), and a poll with
 * `showResultsBeforeClose: false` shows results only once closed, except to its organizer,
 * admins, auditors and analysts (403 `results.hidden`).
 */
export function assertMaySeeResults(state: ExistingPollState, user: AuthUser | undefined): void {
  assertPollVisible(state, user);
  const organizer = user !== undefined && user.userId === state.poll.organizerId;
  if (state.poll.settings.showResultsBeforeClose || state.status === 'closed' || organizer) return;
  if (ALWAYS_SEE.some((role) => user?.roles.includes(role))) return;
  throw new ForbiddenError('results.hidden', 'this poll shows its results once it is closed');
}
