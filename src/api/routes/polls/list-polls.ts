import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { fraudCheckUnavailableOf } from '../../../domain/poll/definition.ts';
import { pollListing, showsBallotCount } from '../../read-rules.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollStatus, PollView } from '../../schemas/poll.ts';

const PollSummary = Type.Intersect([Type.Omit(PollView, ['questions']), Type.Object({ ballots: Type.Optional(Type.Integer()) })]);

/** listPolls from the read model; what the caller may list is read-rules.ts' `pollListing`. */
export const listPollsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/polls',
    {
      preHandler: app.auth.optional,
      schema: {
        operationId: 'listPolls',
        tags: ['polls'],
        summary: 'Polls newest first, a page at a time (pass nextCursor back as cursor)',
        security: [...bearer, {}],
        querystring: Type.Object(
          {
            status: Type.Optional(PollStatus),
            mine: Type.Optional(Type.Boolean({ description: "only the caller's own polls" })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(PollSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...problems(401, 422),
        },
      },
    },
    async (request) => {
      const user = request.anonymous ? undefined : request.user;
      const { status, mine, cursor, limit } = request.query;
      const page = await app.queries.listPolls({
        ...pollListing(user, { ...(status ? { status } : {}), ...(mine ? { mine } : {}) }),
        ...(cursor ? { cursor } : {}),
        ...(limit ? { limit } : {}),
      });
      return {
        nextCursor: page.nextCursor,
        items: page.items.map(({ ballots, openedAt, closedAt, ...poll }) => ({
          ...poll,
          settings: { ...poll.settings, fraudCheckUnavailable: fraudCheckUnavailableOf(poll.settings) },
          ...(openedAt ? { openedAt } : {}),
          ...(closedAt ? { closedAt } : {}),
          ...(showsBallotCount(poll, user) ? { ballots } : {}),
        })),
      };
    },
  );
};
