import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_POLL_SETTINGS } from '../../../domain/poll/commands.ts';
import { commandContext } from '../../command-context.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { CreatedPoll, CreatePollBody } from '../../schemas/poll.ts';

export const createPollRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/polls',
    {
      preHandler: app.auth.role('organizer', 'admin'),
      schema: {
        operationId: 'createPoll',
        tags: ['polls'],
        summary: 'Create a poll (draft); organizers and admins',
        security: bearer,
        body: CreatePollBody,
        response: { 201: CreatedPoll, ...problems(401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { settings, ...rest } = request.body;
      const { poll, position } = await app.commands.createPoll(
        request.user.userId,
        { ...rest, settings: { ...DEFAULT_POLL_SETTINGS, ...settings } },
        commandContext(request),
      );
      await app.queries.readModelsAt(position); // the creator's next listPolls shows it
      return reply.status(201).send({ pollId: poll.pollId, slug: poll.slug, status: 'draft' as const });
    },
  );
};
