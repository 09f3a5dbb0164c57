import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import Type from 'typebox';
import type { Problem } from '../plugins/problem-details.ts';
import { ProblemSchema } from '../schemas/common.ts';
import { liveProblems, liveSchemaBase, resumePosition } from './access.ts';
import type { LiveRouteOptions } from './live-route-options.ts';
import { WsViewer, type WsViewerSettings } from './ws-viewer.ts';

const upgradeRequired = (): Error => {
  const problem: Problem = {
    type: 'https://pollster.dev/problems/upgrade-required',
    title: 'upgrade required',
    status: 426,
    detail: 'this is a websocket endpoint: connect with a WebSocket client, or use /live/sse for server-sent events',
    code: 'upgrade-required',
  };
  return Object.assign(new Error(problem.detail), { statusCode: 426, problem });
};

/**
 * The route only forwards (STYLE.md 9). `handler` + `wsHandler` rather than `websocket: true`,
 * which would hide it from the OpenAPI document. An upgrade allocates as little as it can: what
 * survives a young-generation GC during a burst of connections stays until a full GC.
 */
export const liveWsRoute: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (app, { hub, access, maxBufferedBytes }) => {
  const settings: WsViewerSettings = {
    maxBufferedBytes,
    left: (viewer, reason) => {
      if (reason !== undefined) hub.counters.drops[reason]++;
      hub.leave(viewer.pollId, viewer);
    },
  };
  app.route({
    method: 'GET',
    url: '/api/polls/:pollId/live',
    preHandler: access,
    // The 101 of an upgrade is written by ws on the raw socket, so the security headers set on
    // the reply by the global hook would be built for each connection and never sent. They are
    // set when this route answers over HTTP instead (426, refusals), which is all that carries them.
    config: { securityHeaders: false },
    onSend: (_request, reply, payload, done) => {
      reply.securityHeaders();
      done(null, payload);
    },
    schema: {
      ...liveSchemaBase,
      operationId: 'liveResults',
      summary: 'Live results over a websocket: a snapshot frame, then results frames',
      description:
        'Upgrade to a websocket. Frames are JSON text messages `{type: "snapshot" | "results", position, results}` where ' +
        '`results` is the getResults body; at most one results frame per poll per LIVE_THROTTLE_MS (500 ms), the newest. ' +
        'Drop any frame whose position is not above the last one kept. Reconnect with `?after=<last position>`: a snapshot ' +
        'comes only if the results moved meanwhile. Auth: the Authorization header or, from a browser, `?access_token=`. ' +
        'Who may watch is decided as in getResults (401/403/404 before the upgrade). The server pings every 15 s and ' +
        'drops sockets that do not answer or that fall more than LIVE_MAX_BUFFERED_BYTES behind.',
      response: {
        101: Type.Null({ description: 'switching protocols: the websocket is open' }),
        426: { ...ProblemSchema, description: 'a plain HTTP request: this endpoint needs a websocket upgrade' },
        ...liveProblems,
      },
    },
    handler: async () => {
      throw upgradeRequired();
    },
    wsHandler: (socket, request) => {
      const pollId = request.params.pollId.toLowerCase();
      const after = resumePosition(request);
      // @fastify/websocket's error listener closes over the request and reply: replacing it lets
      // them be collected (an 'error' listener must stay).
      socket.removeAllListeners('error');
      socket.on('error', terminate);
      // The ServerResponse @fastify/websocket attached to the TCP socket (for a refusal that did
      // not happen) still holds the upgrade request and its headers: let go of both.
      const tcp = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
      tcp._httpMessage?.detachSocket(tcp);
      hub.counters.connections.ws++;
      void hub.join(pollId, new WsViewer(socket, pollId, settings), after);
    },
  });
};

/** One listener for every socket (`this` is the socket), rather than a closure per connection. */
function terminate(this: WebSocket): void {
  this.terminate();
}
