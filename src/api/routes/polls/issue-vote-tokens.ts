import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, commandContext } from '../../command-context.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { IssueTokensBody, PollIdParams } from '../../schemas/poll.ts';

export const issueVoteTokensRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/polls/:pollId/tokens',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'issueVoteTokens',
        tags: ['polls'],
        summary: 'Issue one-time vote tokens (voterPolicy token); shown once, stored hashed',
        description:
          'The tokens are in this answer only: the log keeps their sha256 hashes. A retry with the same Idempotency-Key and body after the tokens were issued is 409 '
          + '`poll.tokens-already-shown` (they cannot be shown again; issue new ones under a new key). Past the poll\'s maximum (settings.maxVoteTokens, '
          + 'VOTE_TOKENS_MAX_PER_POLL) the whole request is 422 `poll.vote-token-limit`, saying how many more may be issued.',
        security: bearer,
        params: PollIdParams,
        body: IssueTokensBody,
        response: { 201: Type.Object({ tokens: Type.Array(Type.String()) }), ...problems(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { tokens } = await app.commands.issueVoteTokens(
        request.params.pollId,
        request.body.count,
        actorOf(request),
        commandContext(request),
      );
      // The tokens exist nowhere else: never cache this response.
      return reply.status(201).header('cache-control', 'no-store').send({ tokens });
    },
  );
};
