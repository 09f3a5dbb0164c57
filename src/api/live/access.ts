import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { pollNotFound } from '../../domain/poll/errors.ts';
import { assertMayReadResults } from '../read-rules.ts';
import { bearer, Position, problems } from '../schemas/common.ts';
import { PollIdParams } from '../schemas/poll.ts';

const LiveQuery = Type.Object(
  {
    after: Type.Optional({ ...Position, description: 'the last position the client has: no snapshot unless the results moved since' }),
    access_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          "the bearer token, for browsers' WebSocket and EventSource, which cannot set an Authorization header; " +
          'checked when the connection opens (and again at every reconnect)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The schema parts both live routes share: the same auth, params and error answers as getResults. */
export const liveSchemaBase = {
  tags: ['results'],
  security: [...bearer, {}],
  params: PollIdParams,
  querystring: LiveQuery,
};
export const liveProblems = problems(400, 401, 403, 404);

type LiveRequest = FastifyRequest<{ Params: { pollId: string }; Querystring: { after?: number; access_token?: string } }>;

/**
 * preHandler of the live routes: the `access_token` query parameter stands in for the
 * Authorization header, then the viewer must be allowed to see the poll's results exactly as
 * getResults decides. Runs before the websocket upgrade, so a refusal is a plain problem+json
 * 401/403/404 rather than an opened-then-closed socket.
 */
export function liveAccess(app: FastifyInstance) {
  return async (request: LiveRequest, reply: Parameters<typeof app.auth.optional>[1]): Promise<void> => {
    const token = request.query.access_token;
    if (token !== undefined && request.headers.authorization === undefined) request.headers.authorization = `Bearer ${token}`;
    await app.auth.optional(request, reply);
    const pollId = request.params.pollId.toLowerCase();
    const state = await app.queries.poll(pollId);
    if (state.status === 'none') throw pollNotFound(pollId);
    await assertMayReadResults(app.queries.verifiedEmail, state, request.anonymous ? undefined : request.user);
  };
}

/** `?after=`, else (SSE) the Last-Event-ID header a reconnecting EventSource sends. */
export function resumePosition(request: { query: { after?: number }; headers: IncomingHttpHeaders }): number | undefined {
  if (request.query.after !== undefined) return request.query.after;
  const lastEventId = request.headers['last-event-id'];
  return typeof lastEventId === 'string' && /^\d{1,16}$/.test(lastEventId) ? Number(lastEventId) : undefined;
}
