import type { ExistingPollState } from '../domain/poll/state.ts';
import { getPoll } from '../projections/queries.ts';
import type { ApiServices } from './api-services.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The poll a URL names, by id or slug (getPoll, the live page); undefined when there is none.
 * Slugs are found in the read model; the poll itself then comes from the poll cache, which the
 * process's own commands keep current, so a client reads its own writes at once. Who may see it
 * is the caller's decision.
 */
export async function findPoll(services: Pick<ApiServices, 'sql' | 'commands'>, idOrSlug: string): Promise<ExistingPollState | undefined> {
  const pollId = UUID.test(idOrSlug) ? idOrSlug.toLowerCase() : (await getPoll(services.sql, idOrSlug))?.pollId;
  const state = pollId ? await services.commands.polls.get(pollId) : undefined;
  return state && state.status !== 'none' ? state : undefined;
}
