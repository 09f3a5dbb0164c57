import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { liveProblems, liveSchemaBase, resumePosition } from './access.ts';
import type { LiveRouteOptions } from './live-route-options.ts';
import { SseViewer } from './sse-viewer.ts';

/** Sent first: how long a browser's EventSource waits before reconnecting (it sends Last-Event-ID). */
const RETRY_MS = 2_000;

/**
 * liveResultsSse: the same frames as server-sent events, `event: snapshot|results`,
 * `id: <position>`, `data: <frame JSON>`. The response is hijacked and stays open; the headers
 * the app's hooks set (security headers, CORS) are carried over by hand.
 */
export const liveSseRoute: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (app, { hub, access, maxBufferedBytes }) => {
  app.get(
    '/api/polls/:pollId/live/sse',
    {
      preHandler: access,
      // HEAD cannot carry a stream.
      exposeHeadRoute: false,
      schema: {
        ...liveSchemaBase,
        operationId: 'liveResultsSse',
        summary: 'Live results as server-sent events: the same frames as liveResults',
        description:
          'An event stream: `event: snapshot` first, then `event: results`, each with `id: <position>` and ' +
          '`data: {type, position, results}` (results = the getResults body). A reconnecting EventSource sends ' +
          'Last-Event-ID, which works like `?after=`. Comment lines every 15 s keep the stream alive. Auth as ' +
          'liveResults (`?access_token=` for EventSource).',
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...liveProblems,
        },
      },
    },
    async (request, reply) => {
      const pollId = request.params.pollId.toLowerCase();
      const after = resumePosition(request);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // nginx and similar proxies would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      response.write(`retry: ${RETRY_MS}\n\n`);
      response.socket?.setNoDelay(true);
      hub.counters.connections.sse++;
      const viewer: SseViewer = new SseViewer(response, maxBufferedBytes, (reason) => {
        hub.counters.drops[reason]++;
        hub.leave(pollId, viewer);
      });
      response.once('close', () => hub.leave(pollId, viewer));
      await hub.join(pollId, viewer, after);
    },
  );
};
