import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenAccount } from '../../commands/users/token-account.ts';
import { ForbiddenError, UnauthenticatedError } from '../../domain/shared/errors.ts';
import type { Role } from '../../domain/user/roles.ts';
import { requireRole } from '../read-rules.ts';
import { isAccessTokenClaims } from './access-token.ts';
import { AccountCache, DEFAULT_ACCOUNT_CACHE, type AccountCacheOptions } from './account-cache.ts';

/** The caller of a request once its bearer token is verified. */
export interface AuthUser {
  userId: string;
  roles: readonly Role[];
}

/** What login puts into an access token. */
export interface Session extends AuthUser {
  /** The account's token version at login (credentials.token_version). */
  tokenVersion: number;
  /** Opened with a setup token: until the password is set, the session may do nothing else. */
  mustChangePassword?: boolean;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; roles: Role[]; tokenVersion: number; mustChangePassword?: true };
    user: AuthUser;
  }
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * preHandlers: `auth.required`, `auth.optional`, `auth.role('organizer', 'admin')` (any of
     * them); `auth.forget(userId)` after this node changed an account's token version.
     */
    auth: {
      required: Guard;
      optional: Guard;
      role: (...roles: Role[]) => Guard;
      forget: (userId: string) => void;
      /** The caller as `auth.optional` decides it (undefined: no token), for APIs that are not routes of their own (GraphQL). */
      caller: (request: FastifyRequest) => Promise<AuthUser | undefined>;
    };
    /** Signs an access token for a session of an account. */
    issueAccessToken: (session: Session) => { accessToken: string; expiresIn: number };
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
  /** The account a token names (null: no such account); asked through a short per-node cache. */
  accounts: (userId: string) => Promise<TokenAccount | null>;
  accountCache?: AccountCacheOptions;
}

/**
 * What a session opened with a setup token may do: set the password, and see whose account it is
 * (me says mustChangePassword). Listed here, not on the routes, so a new route is closed to such
 * sessions without anyone having to remember it.
 */
const SETUP_SESSION_OPERATIONS: ReadonlySet<string> = new Set(['changePassword', 'me']);

const invalidToken = (detail: string, cause?: unknown) => new UnauthenticatedError('auth.invalid-token', detail, { cause });

export default fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(jwt, {
      secret: options.secret,
      sign: { expiresIn: options.accessTokenSeconds },
    });
    const accounts = new AccountCache(options.accounts, options.accountCache ?? DEFAULT_ACCOUNT_CACHE);

    /**
     * The one check every guard runs: a signature of ours, claims of exactly our shape, an
     * account that exists, the account's current token version, and a setup-token session only
     * where it may go. Roles are taken from the token as login signed them.
     */
    async function verify(request: FastifyRequest): Promise<void> {
      let claims: unknown;
      try {
        claims = await request.jwtVerify();
      } catch (cause) {
        throw invalidToken('a valid bearer token is required', cause);
      }
      if (!isAccessTokenClaims(claims)) throw invalidToken('the bearer token does not have the claims of a Pollster access token');
      const account = await accounts.account(claims.sub);
      if (!account) throw new UnauthenticatedError('auth.unknown-account', 'the account of this token does not exist');
      if (claims.tokenVersion !== account.tokenVersion) {
        throw new UnauthenticatedError('auth.token-revoked', 'this token was revoked (a new password or logout-everywhere): log in again');
      }
      request.user = { userId: claims.sub, roles: claims.roles };
      const operation = request.routeOptions.schema?.operationId;
      if (claims.mustChangePassword && !(operation && SETUP_SESSION_OPERATIONS.has(operation))) {
        throw new ForbiddenError('auth.password-change-required', 'set a password first (POST /api/auth/password with the setup token), then log in with it');
      }
    }

    const required: Guard = async (request) => verify(request);
    // A token that is sent must be good: only a request without one is anonymous.
    const caller = async (request: FastifyRequest): Promise<AuthUser | undefined> => {
      if (!request.headers.authorization) return undefined;
      await verify(request);
      return request.user;
    };
    const optional: Guard = async (request) => {
      if ((await caller(request)) === undefined) request.anonymous = true;
    };
    const role =
      (...roles: Role[]): Guard =>
      async (request) => {
        await verify(request);
        requireRole(request.user, roles);
      };
    app.decorate('auth', { required, optional, role, caller, forget: (userId: string) => accounts.forget(userId) });
    app.decorate('issueAccessToken', (session: Session) => ({
      accessToken: app.jwt.sign({
        sub: session.userId,
        roles: [...session.roles],
        tokenVersion: session.tokenVersion,
        ...(session.mustChangePassword ? { mustChangePassword: true as const } : {}),
      }),
      expiresIn: options.accessTokenSeconds,
    }));
  },
  { name: 'auth' },
);
