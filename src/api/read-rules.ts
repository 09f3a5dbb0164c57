import type { ListPollsOptions } from '../projections/polls-catalog/list-polls.ts';
import { pollNotFound } from '../domain/poll/errors.ts';
import type { ExistingPollState, PollState } from '../domain/poll/state.ts';
import { ForbiddenError, UnauthenticatedError } from '../domain/shared/errors.ts';
import type { Role } from '../domain/user/roles.ts';
import { assertMayReachPoll, assertPollVisible, listableDrafts } from './poll-access.ts';
import type { AuthUser } from './plugins/auth.ts';

/**
 * Who may read what, one rule per read operation. The REST routes, the live edge and the GraphQL
 * resolvers all ask here, so no API can answer a read another one refuses. Each rule takes the
 * caller as the auth plugin verified it (undefined: anonymous) and throws the error REST answers
 * with; the codes are the contract of both APIs.
 */

/** The account lookup organization polls need (`app.queries.verifiedEmail`). */
type VerifiedEmail = (userId: string) => Promise<string | null>;

/** The review queue: reviewers work it; admins and auditors may read it. */
export const REVIEW_QUEUE_READERS = ['reviewer', 'admin', 'auditor'] as const satisfies readonly Role[];
/** listAuditEvents and verifyPoll. */
export const AUDIT_READERS = ['auditor', 'admin'] as const satisfies readonly Role[];
/** Roles that may read any poll's analytics; the poll's own organizer may always read its own. */
const ANALYTICS_READERS: readonly Role[] = ['admin', 'analyst'];
/** Roles that see results a poll hides until its close (issue 4), besides the poll's organizer. */
const RESULTS_ALWAYS: readonly Role[] = ['admin', 'auditor', 'analyst'];
/** Besides the poll's organizer, the roles that answer for the integrity of results. */
const RAW_TALLY_READERS: readonly Role[] = ['admin', 'auditor', 'reviewer'];

const hasAny = (user: AuthUser | undefined, roles: readonly Role[]): boolean => user !== undefined && roles.some((r) => user.roles.includes(r));
const organizes = (state: ExistingPollState, user: AuthUser | undefined): boolean => user !== undefined && user.userId === state.poll.organizerId;

/** getPoll: the draft rule (404, naming only what was asked), then an organization poll's members. */
export async function assertMayReadPoll(verifiedEmail: VerifiedEmail, state: ExistingPollState, user: AuthUser | undefined, asked?: string): Promise<void> {
  assertPollVisible(state, user, asked);
  await assertMayReachPoll(verifiedEmail, state, user);
}

/**
 * A poll's results: a draft follows the one draft rule (poll-access.ts: 404), and a poll with
 * `showResultsBeforeClose: false` shows results only once closed, except to its organizer,
 * admins, auditors and analysts (403 `results.hidden`).
 */
export function assertMaySeeResults(state: ExistingPollState, user: AuthUser | undefined): void {
  assertPollVisible(state, user);
  if (state.poll.settings.showResultsBeforeClose || state.status === 'closed' || organizes(state, user)) return;
  if (hasAny(user, RESULTS_ALWAYS)) return;
  throw new ForbiddenError('results.hidden', 'this poll shows its results once it is closed');
}

/** getResults and every live feed (websocket, SSE, GraphQL subscription). */
export async function assertMayReadResults(verifiedEmail: VerifiedEmail, state: ExistingPollState, user: AuthUser | undefined): Promise<void> {
  assertMaySeeResults(state, user);
  await assertMayReachPoll(verifiedEmail, state, user);
}

/** The raw tally beside the adjudicated results (issue 6): review's effect in plain sight. */
export function maySeeRawTally(state: ExistingPollState, user: AuthUser | undefined): boolean {
  return organizes(state, user) || hasAny(user, RAW_TALLY_READERS);
}

/**
 * listPolls: public polls for everyone, plus the caller's own of any status; admins see all.
 * Private and organization polls are reached by link, never listed to others; drafts follow the
 * one draft rule. `mine` needs an account.
 */
export function pollListing(user: AuthUser | undefined, asked: { status?: ListPollsOptions['status']; mine?: boolean }): ListPollsOptions {
  if (asked.mine && !user) throw new UnauthenticatedError('auth.required', 'mine=true needs a logged-in account');
  return {
    ...(asked.status ? { status: asked.status } : {}),
    ...(asked.mine && user ? { organizerId: user.userId } : {}),
    ...(user?.roles.includes('admin') ? {} : { visibleTo: { userId: user?.userId ?? null } }),
    drafts: listableDrafts(user),
  };
}

/** A listed poll's ballot count is a result: hidden where the poll hides its results until close. */
export function showsBallotCount(
  poll: { status: string; organizerId: string; settings: { showResultsBeforeClose: boolean } },
  user: AuthUser | undefined,
): boolean {
  return poll.settings.showResultsBeforeClose || poll.status === 'closed' || poll.organizerId === user?.userId;
}

/**
 * A poll's analytics, in whatever form (getAnalytics, exportAnalyticsCsv, GraphQL): 404 for no
 * poll or a draft the caller may not see (the one draft rule), then its organizer, admins and
 * analysts (403). The 401 comes first: `auth.required` on the routes, `requireAccount` elsewhere.
 */
export function assertMayReadAnalytics(poll: PollState, user: AuthUser, pollId: string): asserts poll is ExistingPollState {
  if (poll.status === 'none') throw pollNotFound(pollId);
  assertPollVisible(poll, user);
  if (!organizes(poll, user) && !hasAny(user, ANALYTICS_READERS)) {
    throw new ForbiddenError('analytics.forbidden', `only the organizer of poll ${pollId}, admins and analysts may see its analytics`);
  }
}

/** listAuditEvents: voter identities only for auditors, and never on an anonymous poll. */
export function auditShowsIdentities(state: ExistingPollState, user: AuthUser): boolean {
  return !state.poll.settings.anonymous && user.roles.includes('auditor');
}

/** What the auth guards answer a request without a token: the same words wherever one is missing. */
export function requireAccount(user: AuthUser | undefined): AuthUser {
  if (!user) throw new UnauthenticatedError('auth.invalid-token', 'a valid bearer token is required');
  return user;
}

/** `auth.role(...)` as a rule: an account (401), holding one of the roles (403 `auth.role-required`). */
export function requireRole(user: AuthUser | undefined, roles: readonly Role[]): AuthUser {
  const caller = requireAccount(user);
  if (!hasAny(caller, roles)) throw new ForbiddenError('auth.role-required', `this needs one of the roles: ${roles.join(', ')}`);
  return caller;
}
