import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { fraudCheckUnavailableOf } from '../../../domain/poll/definition.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { PollState } from '../../../domain/poll/state.ts';
import { assertMayReadPoll } from '../../read-rules.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollView } from '../../schemas/poll.ts';

function pollView(state: Exclude<PollState, { status: 'none' }>) {
  return {
    ...state.poll,
    // Polls from before the setting lack it; they behave as `accept`, so say so.
    settings: { ...state.poll.settings, fraudCheckUnavailable: fraudCheckUnavailableOf(state.poll.settings) },
    questions: state.poll.questions.map((q) => (q.kind === 'rating' ? { ...q } : { ...q, options: [...q.options] })),
    status: state.status,
    ...(state.status !== 'draft' ? { openedAt: state.openedAt } : {}),
    // Released at close: a closed poll's code may already name another poll.
    ...(state.status === 'active' && state.joinCode ? { joinCode: state.joinCode } : {}),
    ...(state.status === 'closed' ? { closedAt: state.closedAt } : {}),
  };
}

/** getPoll by id or slug (app.queries.findPoll, src/api/find-poll.ts). */
export const getPollRoute: FastifyPluginAsyncTypebox = async (app) => {
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
      const state = await app.queries.findPoll(key);
      if (!state) throw pollNotFound(key);
      const user = request.anonymous ? undefined : request.user;
      await assertMayReadPoll(app.queries.verifiedEmail, state, user, key);
      return pollView(state);
    },
  );
};
