import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AnswerInput } from '../../../domain/ballot/answers.ts';
import { castBallot } from '../../../commands/ballots/cast-ballot.ts';
import { changeBallot } from '../../../commands/ballots/change-ballot.ts';
import { voterFor } from '../../../commands/ballots/voter-key.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { userDecider } from '../../../domain/user/decider.ts';
import { userStream } from '../../../domain/shared/streams.ts';
import type { Services } from '../../../runtime/services.ts';
import { assertMayReachPoll } from '../../poll-access.ts';
import { ballotMeta } from '../../ballot-meta.ts';
import { commandContext } from '../../command-context.ts';
import { screeningFacts } from '../../screening-facts.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { BallotBody, BallotReceiptView } from '../../schemas/ballot.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';

type BallotBodyInput = { answers: readonly AnswerInput[]; voteToken?: string; challenge?: string };

/**
 * castBallot and changeBallot: the voter key comes from the poll's voter policy, the answers are
 * judged by the ballot decider, and the answer goes out only once the ballot is durably in the log.
 */
export const ballotRoutes: FastifyPluginAsyncTypebox<{ services: Services; rateLimit: RateLimitConfig }> = async (
  app,
  { services, rateLimit },
) => {
  async function ballotRequest(request: FastifyRequest, pollId: string, body: BallotBodyInput) {
    const poll = await services.commands.polls.get(pollId);
    if (poll.status === 'none') throw pollNotFound(pollId);
    await assertMayReachPoll(services.sql, poll, request.anonymous ? undefined : request.user);
    const userId = request.anonymous ? undefined : request.user?.userId;
    const userAgent = request.headers['user-agent'] ?? '';
    const voter = await voterFor(
      poll.poll,
      {
        ...(userId ? { userId } : {}),
        ...(body.voteToken ? { voteToken: body.voteToken } : {}),
        nationalIdVerified: async () => {
          const events = await services.store.readStream(userStream(userId!));
          const state = events.reduce((s, e) => userDecider.evolve(s, e as never), userDecider.initialState());
          return state.status !== 'none' && state.nationalIdHash !== null;
        },
        ip: request.ip,
        userAgent,
      },
      services.secrets.identityKey,
    );
    // The voter, as the poll's policy sees it, owns the Idempotency-Key: an anonymous voter has
    // no account, and a vote token (or the client fingerprint) is who votes on such polls.
    const context = commandContext(request, voter.voterKey);
    // On an anonymous poll the event metadata must not name the account either.
    if (poll.poll.settings.anonymous) context.actor = 'anonymous';
    return { ballot: { pollId, ...voter, answers: body.answers, meta: ballotMeta(request.ip, userAgent) }, context };
  }

  const schema = {
    tags: ['voting'],
    security: [...bearer, {}],
    params: PollIdParams,
    body: BallotBody,
  };

  app.post(
    '/api/polls/:pollId/ballots',
    {
      preHandler: app.auth.optional,
      config: rateLimit,
      schema: {
        ...schema,
        operationId: 'castBallot',
        summary: 'Cast a ballot; 409 already-voted on a second one, 409 poll-not-active outside the voting window',
        description: 'From a network sending unusually many ballots: 428 `fraud.challenge-required` until the ballot carries a solved GET /api/challenge puzzle.',
        response: { 201: BallotReceiptView, ...problems(401, 403, 404, 409, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const { ballot, context } = await ballotRequest(request, request.params.pollId, request.body);
      const screening = screeningFacts(request, services, request.body.challenge);
      const receipt = await castBallot(services.commands, { ...ballot, screening }, context);
      return reply.status(201).send({ ...receipt, position: Number(receipt.position) });
    },
  );

  app.put(
    '/api/polls/:pollId/ballots/mine',
    {
      preHandler: app.auth.optional,
      config: rateLimit,
      schema: {
        ...schema,
        operationId: 'changeBallot',
        summary: "Replace the caller's answers where the poll allows changing a vote",
        response: { 200: BallotReceiptView, ...problems(401, 403, 404, 409, 422, 429) },
      },
    },
    async (request) => {
      const { ballot, context } = await ballotRequest(request, request.params.pollId, request.body);
      const receipt = await changeBallot(services.commands, ballot, context);
      return { ...receipt, position: Number(receipt.position) };
    },
  );
};
