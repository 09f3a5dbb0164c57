import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { accountContext } from './context.ts';
import { ChangePasswordBody, LoginBody, LoginResult, RegisterBody, Registered } from './schemas.ts';

/** register, login, changePassword, logoutEverywhere: the operations that create, prove or revoke a credential. */
export const authRoutes: FastifyPluginAsyncTypebox<{ rateLimit: RateLimitConfig }> = async (app, { rateLimit }) => {
  app.post(
    '/api/auth/register',
    {
      config: rateLimit,
      schema: {
        operationId: 'register',
        tags: ['accounts'],
        summary: 'Create an account (the first account of an empty system is an admin)',
        description: 'With a nationalId, the id is looked up in the national registry first and linked to the new account; '
          + 'a refused id (422 invalid or not eligible, 404 unknown, 409 taken, 503 registry down) creates no account.',
        body: RegisterBody,
        response: { 201: Registered, ...problems(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const registered = await app.commands.register(request.body, accountContext(request));
      return reply.status(201).send(registered);
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: rateLimit,
      schema: {
        operationId: 'login',
        tags: ['accounts'],
        summary: 'Exchange email and password for an access token',
        description: 'Wrong email and wrong password give the same 401 in the same time. The token carries the roles '
          + 'held at login: a role granted later shows from the next login. A new password or logoutEverywhere revokes '
          + 'it (401 auth.token-revoked). With mustChangePassword (logged in with a setup token) the token is good for '
          + 'changePassword and me only (403 auth.password-change-required elsewhere).',
        body: LoginBody,
        response: { 200: LoginResult, ...problems(400, 401) },
      },
    },
    async (request) => {
      const session = await app.commands.login(request.body.email, request.body.password);
      return { ...app.issueAccessToken(session), mustChangePassword: session.mustChangePassword };
    },
  );

  app.post(
    '/api/auth/password',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'changePassword',
        tags: ['accounts'],
        summary: 'Change the password (or set the first one with the one-time setup token)',
        description: 'Send currentPassword, or setupToken for an account imported without a password (the token works '
          + 'once). 403 when the current password or setup token is wrong; 422 when the new password breaks the rules. '
          + 'Every access token issued before, this request\'s included, is revoked: log in with the new password.',
        security: bearer,
        body: ChangePasswordBody,
        response: { 204: Type.Null({ description: 'password changed' }), ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await app.commands.changePassword(request.user.userId, request.body, accountContext(request));
      app.auth.forget(request.user.userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/logout-everywhere',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'logoutEverywhere',
        tags: ['accounts'],
        summary: 'Revoke every access token of the caller’s account, this one included',
        description: 'Tokens issued before answer 401 auth.token-revoked from then on: at once on the node that served '
          + 'this request, within a few seconds (the account cache, README "Accounts") on the others. Log in again for a new one.',
        security: bearer,
        response: { 204: Type.Null({ description: 'every earlier token revoked' }), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.commands.logoutEverywhere(request.user.userId);
      app.auth.forget(request.user.userId);
      return reply.status(204).send(null);
    },
  );
};
