import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CODE_DIGITS, CODE_TTL_MS, MAX_ATTEMPTS, RESEND_AFTER_MS } from '../../../commands/users/email-codes.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { accountContext } from './context.ts';

const CodeSent = Type.Object({
  email: Type.String({ description: 'the account’s own address, where the code went' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

const VerifyEmailBody = Type.Object(
  { code: Type.String({ maxLength: 32, description: `the ${CODE_DIGITS} digits from the mail (spaces and hyphens are ignored)` }) },
  { additionalProperties: false, examples: [{ code: '04718263' }] },
);

const EmailVerifiedView = Type.Object({
  emailVerified: Type.Literal(true),
  email: Type.String(),
  verifiedAt: Type.String({ format: 'date-time' }),
});

/**
 * requestEmailVerification and verifyEmail: an account proves it reads the mail of its address,
 * which is what organization membership rests on (src/api/poll-access.ts). Also limited per
 * client address like register and login, so one host cannot spread guesses or mail over many
 * accounts faster than that.
 */
export const emailRoutes: FastifyPluginAsyncTypebox<{ rateLimit: RateLimitConfig }> = async (app, { rateLimit }) => {
  app.post(
    '/api/auth/email/verification',
    {
      preHandler: app.auth.required,
      config: rateLimit,
      schema: {
        operationId: 'requestEmailVerification',
        tags: ['accounts'],
        summary: 'Mail a one-time code to the caller’s own address',
        description: `The code has ${CODE_DIGITS} digits and works once, for ${CODE_TTL_MS / 60_000} minutes; a new request `
          + `replaces it. At most one mail per account every ${RESEND_AFTER_MS / 1000} s (429 email.code-too-soon with `
          + 'Retry-After). 409 user.email-already-verified; 503 mail.unavailable when the mail server refuses (nothing is kept).',
        security: bearer,
        response: { 202: CodeSent, ...problems(401, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => reply.status(202).send(await app.commands.requestEmailVerification(request.user.userId)),
  );

  app.post(
    '/api/auth/email/verify',
    {
      preHandler: app.auth.required,
      config: rateLimit,
      schema: {
        operationId: 'verifyEmail',
        tags: ['accounts'],
        summary: 'Prove the address with the mailed code; the account is then a member of its email domain’s organization',
        description: `422 email.code-wrong (tries left in the detail); the ${MAX_ATTEMPTS}th wrong try burns the code `
          + '(422 email.code-burned: request a new one); 422 email.code-expired; 422 email.code-missing when no code waits; '
          + '409 user.email-already-verified.',
        security: bearer,
        body: VerifyEmailBody,
        response: { 200: EmailVerifiedView, ...problems(400, 401, 404, 409, 422, 429) },
      },
    },
    async (request) => app.commands.verifyEmail(request.user.userId, request.body.code, accountContext(request)),
  );
};
