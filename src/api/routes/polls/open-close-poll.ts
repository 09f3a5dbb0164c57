import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, commandContext } from '../../command-context.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { JoinCode, PollIdParams } from '../../schemas/poll.ts';

/** Status moves draft → active → closed, by the poll's organizer (or an admin). */
export const openClosePollRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/polls/:pollId/open',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'openPoll',
        tags: ['polls'],
        summary: 'Open a draft poll for ballots; its organizer or an admin',
        security: bearer,
        params: PollIdParams,
        response: {
          200: Type.Object({
            status: Type.Literal('active'),
            joinCode: Type.Optional(JoinCode),
          }),
          ...problems(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { position, joinCode } = await app.commands.openPoll(request.params.pollId, actorOf(request), commandContext(request));
      await app.queries.readModelsAt(position);
      return { status: 'active' as const, ...(joinCode ? { joinCode } : {}) };
    },
  );

  app.post(
    '/api/polls/:pollId/close',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'closePoll',
        tags: ['polls'],
        summary: 'Close an active poll; ballots after the close do not count',
        security: bearer,
        params: PollIdParams,
        response: { 200: Type.Object({ status: Type.Literal('closed') }), ...problems(401, 403, 404, 409) },
      },
    },
    async (request) => {
      await app.queries.readModelsAt(await app.commands.closePoll(request.params.pollId, actorOf(request), commandContext(request)));
      return { status: 'closed' as const };
    },
  );
};
