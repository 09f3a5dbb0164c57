import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthenticatedError } from '../../domain/shared/errors.ts';
import type { Role } from '../../domain/user/roles.ts';

/** The caller of a request once its bearer token is verified. */
export interface AuthUser {
  userId: string;
  roles: readonly Role[];
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; roles: Role[] };
    user: AuthUser;
  }
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandlers: `auth.required`, `auth.optional`, `auth.role('organizer', 'admin')` (any of them). */
    auth: { required: Guard; optional: Guard; role: (...roles: Role[]) => Guard };
    /** Signs an access token for an account with these roles. */
    issueAccessToken: (user: AuthUser) => { accessToken: string; expiresIn: number };
  }
  interface FastifyRequest {
    /** Set by `auth.optional` when no token was sent. */
    anonymous?: boolean;
  }
}

export interface AuthOptions {
  secret: string;
  /** Lifetime of an access token; roles granted later take effect at the next login. */
  accessTokenSeconds: number;
}

async function verify(request: FastifyRequest): Promise<void> {
  try {
    await request.jwtVerify();
  } catch (cause) {
    throw new UnauthenticatedError('auth.invalid-token', 'a valid bearer token is required', { cause });
  }
}

export default fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(jwt, {
      secret: options.secret,
      sign: { expiresIn: options.accessTokenSeconds },
      formatUser: (payload) => ({ userId: payload.sub, roles: payload.roles }),
    });
    const required: Guard = async (request) => verify(request);
    const optional: Guard = async (request) => {
      if (request.headers.authorization) await verify(request);
      else request.anonymous = true;
    };
    const role =
      (...roles: Role[]): Guard =>
      async (request) => {
        await verify(request);
        if (!roles.some((r) => request.user.roles.includes(r))) {
          throw new ForbiddenError('auth.role-required', `this needs one of the roles: ${roles.join(', ')}`);
        }
      };
    app.decorate('auth', { required, optional, role });
    app.decorate('issueAccessToken', (user: AuthUser) => ({
      accessToken: app.jwt.sign({ sub: user.userId, roles: [...user.roles] }),
      expiresIn: options.accessTokenSeconds,
    }));
  },
  { name: 'auth' },
);
