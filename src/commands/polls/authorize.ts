import type { PollState } from '../../domain/poll/state.ts';
import { pollNotFound } from '../../domain/poll/errors.ts';
import { ForbiddenError } from '../../domain/shared/errors.ts';
import type { PollCache } from '../../adapters/poll-cache/poll-cache.ts';

/** The caller as the command side sees it: an account with its roles, or the scheduler. */
export type Actor = { kind: 'user'; userId: string; roles: readonly string[] } | { kind: 'system' };

export const actorId = (actor: Actor): string => (actor.kind === 'system' ? 'system' : actor.userId);

/**
 * Open, close and token issue belong to the poll's organizer (admins may act for them; the
 * scheduler closes polls at endsAt). Roles live in the user stream, not the poll's, so this
 * check sits in the command handler rather than in the poll decider.
 */
export async function requirePollManager(polls: PollCache, pollId: string, actor: Actor): Promise<PollState> {
  const state = await polls.get(pollId);
  if (state.status === 'none') throw pollNotFound(pollId);
  if (actor.kind === 'system' || actor.roles.includes('admin') || state.poll.organizerId === actor.userId) return state;
  throw new ForbiddenError('poll.not-organizer', `only the organizer of poll ${pollId} may do this`);
}
