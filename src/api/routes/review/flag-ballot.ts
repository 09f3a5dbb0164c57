import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ballotNotFound } from '../../../domain/ballot/errors.ts';
import { commandContext } from '../../command-context.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { FlagBallotBody, FlagBallotParams, FlagCreatedView } from './schemas.ts';

/**
 * flagBallot: a reviewer's manual FlagSuspicious. The ballot's stream is found through the ballots
 * read model (a ballot cast a moment ago may not be there yet: 404, try again). Any ballot may get
 * several flags; each is decided on its own.
 */
export const flagBallotRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/polls/:pollId/ballots/:ballotId/flags',
    {
      preHandler: app.auth.role('reviewer'),
      schema: {
        operationId: 'flagBallot',
        tags: ['review'],
        summary: 'Flag a ballot as suspicious for review (reviewers); it stays counted until a reviewer rejects it',
        security: bearer,
        params: FlagBallotParams,
        body: FlagBallotBody,
        response: { 201: FlagCreatedView, ...problems(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { pollId, ballotId } = request.params;
      const ballot = await app.queries.findBallot(pollId.toLowerCase(), ballotId.toLowerCase());
      if (ballot === null) throw ballotNotFound();
      const { flagId, position } = await app.commands.flagBallot(
        { pollId: ballot.pollId, voterKey: ballot.voterKey, ballotId: ballot.ballotId, reasons: [request.body.reason], flaggedBy: request.user.userId },
        commandContext(request),
      );
      await app.queries.readModelsAt(position); // the reviewer's next listFlags shows it
      return reply.status(201).send({ flagId, position: Number(position) });
    },
  );
};
