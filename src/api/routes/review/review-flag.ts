import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { flagNotFound } from '../../../domain/ballot/errors.ts';
import { commandContext } from '../../command-context.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { FlagIdParams, ReviewBody, ReviewedView } from './schemas.ts';

/**
 * reviewFlag: only the reviewer role decides (not admins, not organizers: the people who run a
 * poll do not judge its ballots). The decision is FlagReviewed in the ballot's stream with the
 * reviewer and the note; the ballot decider refuses a second decision (409 flag.already-decided),
 * also when two reviewers race, since both append against the stream revision they read.
 */
export const reviewFlagRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/review/flags/:flagId/decision',
    {
      preHandler: app.auth.role('reviewer'),
      schema: {
        operationId: 'reviewFlag',
        tags: ['review'],
        summary: 'Decide a flag (reviewers): uphold keeps the ballot counted, reject takes it out of the results; the events stay',
        security: bearer,
        params: FlagIdParams,
        body: ReviewBody,
        response: { 200: ReviewedView, ...problems(401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const flag = await app.queries.findFlag(request.params.flagId.toLowerCase());
      if (flag === null) throw flagNotFound(request.params.flagId);
      const { decision, note } = request.body;
      const reviewerId = request.user.userId;
      const position = await app.commands.reviewFlag(
        { pollId: flag.pollId, voterKey: flag.voterKey, flagId: flag.flagId, decision, note, reviewerId },
        commandContext(request),
      );
      await app.queries.readModelsAt(position); // results and the queue show the decision on the next read
      const status = decision === 'uphold' ? ('upheld' as const) : ('rejected' as const);
      return { flagId: flag.flagId, status, reviewerId, note: note.trim(), position: Number(position) };
    },
  );
};
