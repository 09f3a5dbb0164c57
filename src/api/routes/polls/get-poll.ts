import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { PollState } from '../../../domain/poll/state.ts';
import type { Services } from '../../../runtime/services.ts';
import { assertMayReachPoll, assertPollVisible } from '../../poll-access.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollView } from '../../schemas/poll.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function pollView(state: Exclude<PollState, { status: 'none' }>) {
  return {
    ...state.poll,
    questions: state.poll.questions.map((q) => (q.kind === 'rating' ? { ...q } : { ...q, options: [...q.options] })),
    status: state.status,
    ...(state.status !== 'draft' ? { openedAt: state.openedAt } : {}),
    ...(state.status === 'closed' ? { closedAt: state.closedAt } : {}),
  };
}

/**
 * getPoll by id or slug. By id it answers from the poll cache, which the process's own commands
 * keep current, so a client reads its own writes at once.
 */
export const getPollRoute: FastifyPluginAsyncTypebox<{ services: Services; pollIdForSlug: (slug: string) => Promise<string | undefined> }> = async (
  app,
  { services, pollIdForSlug },
) => {
  app.get(
    '/api/polls/:pollIdOrSlug',
    {
      preHandler: app.auth.optional,
      schema: {
        operationId: 'getPoll',
        tags: ['polls'],
        summary: 'A poll with its questions, options (with ids), settings and status',
        security: [...bearer, {}],
        params: Type.Object({ pollIdOrSlug: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: PollView, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const key = request.params.pollIdOrSlug;
      const pollId = UUID.test(key) ? key.toLowerCase() : await pollIdForSlug(key);
      const state = pollId ? await services.commands.polls.get(pollId) : undefined;
      if (!state || state.status === 'none') throw pollNotFound(key);
      const user = request.anonymous ? undefined : request.user;
      assertPollVisible(state, user, key);
      await assertMayReachPoll(services.sql, state, user);
      return pollView(state);
    },
  );
};
