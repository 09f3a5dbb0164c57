import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { SharedRateLimit } from '../../plugins/protection.ts';
import { problems, Uuid } from '../../schemas/common.ts';
import { JoinCode } from '../../schemas/poll.ts';

export const JoinedPoll = Type.Object({
  pollId: Uuid,
  slug: Type.String(),
  joinCode: JoinCode,
  votePath: Type.String({ description: 'the vote page, relative to this server: `/v/<slug>`' }),
});

/**
 * findPollByJoinCode: the active poll a join code names, for clients other than the pages. Only
 * the poll's id and slug: what the poll shows, and to whom, is getPoll's decision. Rate-limited
 * per address together with the pages that look codes up, so codes cannot be tried in bulk.
 */
export const joinPollRoute: FastifyPluginAsyncTypebox<{ rateLimit: SharedRateLimit }> = async (app, { rateLimit }) => {
  app.get(
    '/api/join/:code',
    {
      ...rateLimit,
      schema: {
        operationId: 'findPollByJoinCode',
        tags: ['polls'],
        summary: 'The active poll a join code (6-8 digits) names; 404 join-code.not-found otherwise',
        security: [],
        params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }),
        response: { 200: JoinedPoll, ...problems(404, 429) },
      },
    },
    async (request) => {
      const poll = await app.queries.findPollByJoinCode(request.params.code);
      return { pollId: poll.poll.pollId, slug: poll.poll.slug, joinCode: poll.joinCode!, votePath: `/v/${poll.poll.slug}` };
    },
  );
};
