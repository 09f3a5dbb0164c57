import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { ExistingPollState, PollState } from '../../../domain/poll/state.ts';
import { ForbiddenError } from '../../../domain/shared/errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { assertPollVisible } from '../../poll-access.ts';

/** Roles that may read any poll's analytics; the poll's own organizer may always read its own. */
const ANALYTICS_ROLES = ['admin', 'analyst'] as const;

/**
 * Who may read a poll's analytics, in whatever form (getAnalytics, exportAnalyticsCsv): one rule,
 * so the JSON and the spreadsheet can never be open to different people. It depends on the poll
 * (its organizer), so it runs after the poll is found: 404 for no poll or a draft the caller may
 * not see (the one draft rule, poll-access.ts), then 403. The 401 comes earlier, from the route's
 * `auth.required`.
 */
export function assertMayReadAnalytics(poll: PollState, user: AuthUser, pollId: string): asserts poll is ExistingPollState {
  if (poll.status === 'none') throw pollNotFound(pollId);
  assertPollVisible(poll, user);
  if (poll.poll.organizerId !== user.userId && !ANALYTICS_ROLES.some((role) => user.roles.includes(role))) {
    throw new ForbiddenError('analytics.forbidden', `only the organizer of poll ${pollId}, admins and analysts may see its analytics`);
  }
}
