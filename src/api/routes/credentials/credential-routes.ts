import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { commandContext } from '../../command-context.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { assertMayReachPoll } from '../../poll-access.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';

const IssueCredentialBody = Type.Object(
  {
    blindedMessage: Type.String({
      minLength: 1,
      maxLength: 1400,
      pattern: '^[A-Za-z0-9_-]+$',
      description: "base64url of the blinded message (RFC 9474 Blind), exactly as long as the poll key's modulus (256 bytes for 2048 bits)",
    }),
  },
  { additionalProperties: false },
);

const IssuedCredential = Type.Object({
  pollId: Type.String({ format: 'uuid' }),
  blindSignature: Type.String({ description: 'base64url; the client finalizes it into the signature it casts with' }),
  keyFingerprint: Type.String({ description: 'sha256 hex of the poll key that signed: the one getPoll shows as credentialKey.fingerprint' }),
});

/**
 * issueBallotCredential: the authenticated half of the blind-credential flow (README, "Blind
 * ballot credentials"). The caller is named here, and only here; the ballot that the credential
 * later casts is sent without a login.
 */
export const credentialRoutes: FastifyPluginAsyncTypebox<{ rateLimit: RateLimitConfig }> = async (app, { rateLimit }) => {
  app.post(
    '/api/polls/:pollId/credentials',
    {
      preHandler: app.auth.required,
      config: rateLimit,
      schema: {
        operationId: 'issueBallotCredential',
        tags: ['voting'],
        summary: "Blind-sign the caller's ballot credential for a blind poll: once per account and poll",
        description: 'For polls with settings.anonymity "blind": the caller, eligible as the poll\'s voter policy says, sends a blinded message only '
          + 'they can unblind and gets the blind signature. One per account and poll: a second blinded message is 409 `credential.already-issued`; '
          + 'the same blinded message again (a lost answer) gets the same signature. Then cast with castBallot, `credential` in the body and '
          + 'no Authorization header. 409 `credential.not-offered` on other polls, 409 `poll-not-active` once the poll is closed, 403 '
          + '`credential.verification-required` on verified polls without a verified national id. src/client/blind-credential.ts does all of it.',
        security: bearer,
        params: PollIdParams,
        body: IssueCredentialBody,
        response: { 201: IssuedCredential, ...problems(401, 403, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const poll = await app.queries.poll(pollId);
      if (poll.status === 'none') throw pollNotFound(pollId);
      await assertMayReachPoll(app.queries.verifiedEmail, poll, request.user);
      const issued = await app.commands.issueBallotCredential(
        { pollId, accountId: request.user.userId, blindedMessage: request.body.blindedMessage },
        commandContext(request),
      );
      return reply.status(201).header('cache-control', 'no-store')
        .send({ pollId, blindSignature: issued.blindSignature, keyFingerprint: issued.keyFingerprint });
    },
  );
};
