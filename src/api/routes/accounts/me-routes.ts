import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, problems } from '../../schemas/common.ts';
import { accountContext } from './context.ts';
import { GrantRoleBody, GrantRoleParams, MeView, Verified, VerifyBody } from './schemas.ts';

/** me, verifyNationalId and grantRole: operations on an existing account. */
export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/me',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'me',
        tags: ['accounts'],
        summary: 'The caller’s account, as of now (roles granted since login included)',
        security: bearer,
        response: { 200: MeView, ...problems(401, 404) },
      },
    },
    async (request) => {
      const me = await app.queries.me(request.user.userId);
      return { ...me, roles: [...me.roles] };
    },
  );

  app.post(
    '/api/identity/verify',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'verifyNationalId',
        tags: ['accounts'],
        summary: 'Verify the caller’s national id with the national registry and link it to the account',
        description: 'One national id belongs to one account (409 national-id.taken). 422 for a malformed id or a person '
          + 'the registry marks deceased or revoked, 404 for an id the registry does not know, 503 when the registry is '
          + 'unavailable (try again later). Verifying again with the same id is harmless.',
        security: bearer,
        body: VerifyBody,
        response: { 200: Verified, ...problems(400, 401, 404, 409, 422, 503) },
      },
    },
    async (request) => app.commands.verifyNationalId(request.user.userId, request.body.nationalId, accountContext(request)),
  );

  app.post(
    '/api/admin/users/:userId/roles',
    {
      preHandler: app.auth.role('admin'),
      schema: {
        operationId: 'grantRole',
        tags: ['accounts', 'admin'],
        summary: 'Grant a role to an account (admins only; idempotent)',
        description: 'The role shows in the account’s access token from its next login.',
        security: bearer,
        params: GrantRoleParams,
        body: GrantRoleBody,
        response: { 204: Type.Null({ description: 'granted (or held already)' }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.commands.grantRole(request.params.userId, request.body.role, request.user.userId, accountContext(request));
      return reply.status(204).send(null);
    },
  );
};
