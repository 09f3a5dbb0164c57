import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Answer, AnswerInput } from '../../../domain/ballot/answers.ts';
import type { BallotCredential } from '../../../domain/ballot/credential-voter.ts';
import { credentialHeader, credentialVoter } from './credential-voter.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { assertMayReachPoll } from '../../poll-access.ts';
import { commandContext } from '../../command-context.ts';
import { screeningFacts } from '../../screening-facts.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { BallotBody, BallotReceiptView, IdempotencyKeyHeaders, MyBallotView, VoteTokenHeaders } from '../../schemas/ballot.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { clientAddress, clientNetwork } from '../../client-address.ts';

type BallotBodyInput = { answers: readonly AnswerInput[]; voteToken?: string; challenge?: string; credential?: BallotCredential; startedAt?: string };

/**
 * castBallot, changeBallot and getMyBallot: the voter key comes from the poll's voter policy, the
 * answers are judged by the ballot decider, and the answer goes out only once the ballot is
 * durably in the log; a voter who lost that answer asks getMyBallot for it.
 */
export const ballotRoutes: FastifyPluginAsyncTypebox<{ rateLimit: RateLimitConfig }> = async (app, { rateLimit }) => {
  /**
   * Who is voting, as the poll's voter policy says: the same for casting, changing and looking up
   * a ballot, so each of them reaches one and the same ballot stream.
   */
  async function voterOf(request: FastifyRequest, pollId: string, voteToken: { value: string | undefined; field: string }, credential?: BallotCredential) {
    const poll = await app.queries.poll(pollId);
    if (poll.status === 'none') throw pollNotFound(pollId);
    // Blind polls: the credential is the voter, checked at issuance against the poll's policy and reach.
    if (credential !== undefined || poll.poll.settings.anonymity === 'blind') return { poll, voter: await credentialVoter(request, poll.poll, credential) };
    await assertMayReachPoll(app.queries.verifiedEmail, poll, request.anonymous ? undefined : request.user);
    const userId = request.anonymous ? undefined : request.user?.userId;
    const voter = await app.commands.voterFor(poll.poll, {
      ...(userId ? { userId } : {}),
      ...(voteToken.value ? { voteToken: voteToken.value } : {}),
      voteTokenField: voteToken.field,
      ip: clientAddress(request),
      userAgent: request.headers['user-agent'] ?? '',
    });
    return { poll, voter };
  }

  async function ballotRequest(request: FastifyRequest, pollId: string, body: BallotBodyInput) {
    const { poll, voter } = await voterOf(request, pollId, { value: body.voteToken, field: 'voteToken' }, body.credential);
    // The voter, as the poll's policy sees it, owns the Idempotency-Key: an anonymous voter has
    // no account, and a vote token (or the client fingerprint) is who votes on such polls.
    const context = commandContext(request, voter.voterKey);
    // On an anonymous poll the event metadata must not name the account either.
    if (poll.poll.settings.anonymous) context.actor = 'anonymous';
    const meta = app.commands.ballotMeta(poll.poll, { address: clientAddress(request), network: clientNetwork(request) }, request.headers['user-agent'] ?? '');
    return { ballot: { pollId, ...voter, answers: body.answers, meta }, context };
  }

  const schema = {
    tags: ['voting'],
    security: [...bearer, {}],
    params: PollIdParams,
    headers: IdempotencyKeyHeaders,
    body: BallotBody,
  };

  app.post(
    '/api/polls/:pollId/ballots',
    {
      preHandler: app.auth.optional,
      // A network this node knows to be challenged on the poll is refused (428) below; until then,
      // its requests wait, in a line of the network's own, for the turns honest ballots leave
      // (plugins/serve-last.ts).
      config: { ...rateLimit, serveLast: (request) => {
        const network = clientNetwork(request);
        return app.commands.knowsMarked((request.params as { pollId: string }).pollId, network) ? network : undefined;
      } },
      schema: {
        ...schema,
        operationId: 'castBallot',
        summary: 'Cast a ballot; 409 already-voted on a second one, 409 poll-not-active outside the voting window',
        description: 'Send an `Idempotency-Key` header (e.g. a fresh UUID per ballot). If the connection drops before the answer arrives, the ballot may '
          + 'or may not be in the log: retry with the same key (the first answer comes back, not 409 already-voted), or call getMyBallot '
          + '(GET /api/polls/{pollId}/ballots/mine), which answers the same ballotId, receipt and position, or 404 `ballot.not-found` if nothing was recorded. '
          + 'From a network sending unusually many ballots: 428 `fraud.challenge-required` until the ballot carries a solved GET /api/challenge puzzle; '
          + 'such a network\'s requests are served after everyone else\'s, a few hundred a second, and while 64 of them wait, 429 `rate-limited` (with Retry-After). '
          + 'On a poll with `fraudCheckUnavailable: "refuse"`, 503 `fraud.check-unavailable` (with Retry-After) while the fraud check cannot run; nothing is recorded.',
        response: { 201: BallotReceiptView, ...problems(401, 403, 404, 409, 422, 428, 429, 503) },
      },
    },
    async (request, reply) => {
      // A network already challenged on this poll gets its 428 before any work on the ballot.
      const { challenge } = request.body;
      app.commands.refuseKnownMarked(request.params.pollId, { ipPrefix: clientNetwork(request), ...(challenge ? { challenge } : {}) });
      const { ballot, context } = await ballotRequest(request, request.params.pollId, request.body);
      const screening = screeningFacts(request, app, challenge);
      const { startedAt } = request.body;
      const meta = startedAt === undefined ? ballot.meta : { ...ballot.meta, startedAt };
      const receipt = await app.commands.castBallot({ ...ballot, meta, screening }, context);
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
      const receipt = await app.commands.changeBallot(ballot, context);
      return { ...receipt, position: Number(receipt.position) };
    },
  );

  app.get(
    '/api/polls/:pollId/ballots/mine',
    {
      preHandler: app.auth.optional,
      config: rateLimit,
      schema: {
        operationId: 'getMyBallot',
        tags: ['voting'],
        summary: "The caller's own ballot: its receipt, id, position and standing, e.g. after castBallot's answer was lost",
        description: 'The voter is identified exactly as castBallot identifies them: the bearer token (account and verified polls, anonymous ones '
          + 'too), the `Vote-Token` header (token polls), the client address and user agent (open polls), the `Ballot-Credential: <message>.<signature>` header and no bearer token (blind polls). Read from the voter\'s own ballot '
          + 'stream, so it is current the moment castBallot committed. 404 `ballot.not-found` when this voter has no ballot; 401 and 403 '
          + 'as castBallot. Open polls leave `answers` out: people behind one address with the same browser are one voter to them.',
        security: [...bearer, {}],
        params: PollIdParams,
        headers: VoteTokenHeaders,
        response: { 200: MyBallotView, ...problems(401, 403, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const { voter } = await voterOf(request, pollId, { value: request.headers['vote-token'], field: 'headers.vote-token' }, credentialHeader(request.headers['ballot-credential']));
      const ballot = await app.queries.myBallot(pollId, voter.voterKey);
      // A voter's own choices: for no shared cache to keep.
      const { answers, ...rest } = ballot;
      return reply.header('cache-control', 'private, no-store').send({
        ...rest,
        ...(answers ? { answers: answers.map(answerView) } : {}),
        position: Number(ballot.position),
      });
    },
  );
};

/** An answer as the response schema types it (mutable arrays); the domain's are read-only. */
function answerView(answer: Answer) {
  if ('optionIds' in answer) return { questionId: answer.questionId, optionIds: [...answer.optionIds] };
  if ('ranking' in answer) return { questionId: answer.questionId, ranking: [...answer.ranking] };
  return { questionId: answer.questionId, rating: answer.rating };
}
