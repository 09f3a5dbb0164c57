import { pollNotFound } from '../domain/poll/errors.ts';
import type { ExistingPollState } from '../domain/poll/state.ts';
import { ForbiddenError, UnauthenticatedError } from '../domain/shared/errors.ts';
import type { Role } from '../domain/user/roles.ts';
import { emailDomain } from '../commands/users/verified-emails.ts';
import type { AuthUser } from './plugins/auth.ts';

/** Roles that see every draft (README, "Voting rules"); the organizer sees their own. */
const DRAFT_READERS: readonly Role[] = ['admin'];

const seesEveryDraft = (user: AuthUser | undefined): boolean => user !== undefined && DRAFT_READERS.some((r) => user.roles.includes(r));

/**
 * The one draft rule: a draft is its organizer's work in progress, visible to them and to admins
 * only. Every read of a poll asks here (getPoll, results, the live feed, analytics, the audit
 * reads, and, through `listableDrafts`, listPolls), so no read can decide it differently. To
 * anyone else a draft does not exist: 404, as for an unknown id, not 403.
 */
function maySeeDraftOf(user: AuthUser | undefined, organizerId: string): boolean {
  return seesEveryDraft(user) || (user !== undefined && user.userId === organizerId);
}

/** `asked`: the id or slug the caller used, which is all the 404 may name (a slug must not reveal the id). */
export function assertPollVisible(state: ExistingPollState, user: AuthUser | undefined, asked: string = state.poll.pollId): void {
  if (state.status === 'draft' && !maySeeDraftOf(user, state.poll.organizerId)) throw pollNotFound(asked);
}

/** The draft rule as a listing filter: every draft, or only those of this organizer (none for anonymous). */
export function listableDrafts(user: AuthUser | undefined): 'all' | { organizerId: string | null } {
  return seesEveryDraft(user) ? 'all' : { organizerId: user?.userId ?? null };
}

/** Roles that work across organizations (operators, auditors, analysts, reviewers). */
const ACROSS_ORGANIZATIONS = ['admin', 'auditor', 'analyst', 'reviewer'] as const;

/**
 * `visibility: organization` polls are for the accounts of the creator's organization. Pollster
 * has no organization model of its own, so an organization is an email domain, and membership is
 * what an account has proved, not what it typed: the caller's address AND the organizer's are
 * verified (a mailed code, EmailVerified in the log) and share the domain. The organizer's
 * counts too: an unverified `ceo@acme.test` may be anyone, and its poll must not reach (and
 * collect the votes of) the real acme members. Such a poll is reached only by its organizer and
 * the cross-organization roles. Checked wherever a poll is reached (getPoll, ballots, results,
 * live); public and private polls pass untouched (private ones are reached by link or token).
 */
export async function assertMayReachPoll(
  verifiedEmail: (userId: string) => Promise<string | null>,
  state: ExistingPollState,
  user: AuthUser | undefined,
): Promise<void> {
  if (state.poll.settings.visibility !== 'organization') return;
  if (user && (user.userId === state.poll.organizerId || ACROSS_ORGANIZATIONS.some((r) => user.roles.includes(r)))) return;
  if (!user) throw new UnauthenticatedError('auth.required', 'this poll is open to the accounts of its organization: log in');
  const [mine, organizers] = await Promise.all([verifiedEmail(user.userId), verifiedEmail(state.poll.organizerId)]);
  if (mine === null) {
    throw new ForbiddenError('poll.organization-only',
      "this poll is open to its organizer's organization (email domain): verify your email address first (POST /api/auth/email/verification)");
  }
  if (organizers === null || emailDomain(mine) !== emailDomain(organizers)) {
    throw new ForbiddenError('poll.organization-only', "this poll is open to the verified accounts of its organizer's organization (email domain)");
  }
}
