import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AccountDeps } from '../../../commands/users/account-deps.ts';
import { changePassword } from '../../../commands/users/change-password.ts';
import { login } from '../../../commands/users/login.ts';
import { register } from '../../../commands/users/register.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { accountContext } from './context.ts';
import { ChangePasswordBody, LoginBody, LoginResult, RegisterBody, Registered } from './schemas.ts';

/** register, login, changePassword: the operations that create or prove a credential. */
export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AccountDeps; rateLimit: RateLimitConfig }> = async (app, { deps, rateLimit }) => {
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
      const registered = await register(deps, request.body, accountContext(request));
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
          + 'held at login: a role granted later shows from the next login.',
        body: LoginBody,
        response: { 200: LoginResult, ...problems(400, 401) },
      },
    },
    async (request) => {
      const user = await login(deps, request.body.email, request.body.password);
      return { ...app.issueAccessToken({ userId: user.userId, roles: user.roles }), mustChangePassword: user.mustChangePassword };
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
          + 'once). 403 when the current password or setup token is wrong; 422 when the new password breaks the rules.',
        security: bearer,
        body: ChangePasswordBody,
        response: { 204: Type.Null({ description: 'password changed' }), ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await changePassword(deps, request.user.userId, request.body, accountContext(request));
      return reply.status(204).send(null);
    },
  );
};
