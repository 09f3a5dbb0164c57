import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveHub } from '../live/live-hub.ts';
import type { AuthUser } from '../plugins/auth.ts';
import type { Queries } from '../plugins/queries.ts';

/** What every resolver gets: the reads REST makes, the live edge's hub, and the caller. */
export interface GraphqlContext {
  queries: Queries;
  hub: LiveHub;
  log: FastifyBaseLogger;
  /**
   * The caller, verified as REST's optional auth does (undefined: no token). Asked lazily: a bad
   * token is refused, with REST's 401 code, by the fields that ask, and a subscription asks only
   * once connection_init has put the client's `authorization` among the request headers.
   */
  caller: () => Promise<AuthUser | undefined>;
  /** On a websocket: its subscriptions, shared by the contexts mercurius copies per subscription. */
  socket?: { subscriptions: number; maxSubscriptions: number };
}

export function contextOf(app: FastifyInstance, request: FastifyRequest, socket?: GraphqlContext['socket']): GraphqlContext {
  let caller: Promise<AuthUser | undefined> | undefined;
  return {
    queries: app.queries,
    hub: app.liveEdge,
    log: request.log,
    caller: () => (caller ??= app.auth.caller(request)),
    ...(socket ? { socket } : {}),
  };
}
