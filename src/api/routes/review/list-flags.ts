import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { REVIEW_QUEUE_READERS } from '../../read-rules.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { FlagPageView, ListFlagsQuery } from './schemas.ts';

/** listFlags: the review queue. Reviewers work it; admins and auditors may read it. */
export const listFlagsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/review/flags',
    {
      preHandler: app.auth.role(...REVIEW_QUEUE_READERS),
      schema: {
        operationId: 'listFlags',
        tags: ['review'],
        summary: 'The review queue: flags oldest first, by status, poll and reason, with cursor pagination',
        description: 'Reviewers, admins and auditors. From the flags read model: a flag raised a moment ago may take a moment to appear.',
        security: bearer,
        querystring: ListFlagsQuery,
        response: { 200: FlagPageView, ...problems(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const { status, pollId, reason, cursor, limit } = request.query;
      const page = await app.queries.listFlags({
        ...(status ? { status } : {}),
        ...(pollId ? { pollId: pollId.toLowerCase() } : {}),
        ...(reason ? { reason } : {}),
        ...(cursor ? { cursor } : {}),
        ...(limit ? { limit } : {}),
      });
      return { ...page, items: page.items.map((item) => ({ ...item, reasons: [...item.reasons] })) };
    },
  );
};
