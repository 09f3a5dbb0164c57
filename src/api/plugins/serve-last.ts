import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BackOfTheLine } from '../back-of-the-line.ts';
import { rateLimited, sendProblem } from './problem-details.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The line this request waits in for the turns every other request leaves (back-of-the-line.ts;
     * the lines are served in turn), or undefined to serve it as it comes. Asked once, before any
     * other hook, so none of its work (hooks, body, handler, answer) goes ahead of requests this
     * rule lets through. Only the order changes: it is served all the same.
     */
    serveLast?: (request: FastifyRequest) => string | undefined;
  }
}

const LINE_FULL = rateLimited('too many requests from this network wait while it is under a fraud challenge; retry later');

/**
 * The first hook of every request: routes name in `config.serveLast` the requests that should
 * not compete with the rest (a flood the fraud screen already refuses), and the line each waits
 * in. Registered before every other plugin with hooks. The lines serve `perSecond` requests a
 * second in all. Past `perLine` waiting in its line, or `total` in all, such a request is answered
 * 429 from the line's queue of refusals (one per loop turn, unpaced), with the security headers
 * the skipped hooks would have set: a flood larger than its line costs one short answer per
 * request and still goes ahead of no one.
 */
export default fp<{ perLine: number; total: number; perSecond: number }>(
  async (app: FastifyInstance, limits) => {
    const lines = new BackOfTheLine(limits);
    app.addHook('onRequest', (request, reply, done) => {
      const line = request.routeOptions.config.serveLast?.(request);
      if (line === undefined) return done();
      // The refusal answers here, not through done(error): no error, no error handler, per request of a flood.
      lines.push(line, done, () => sendProblem(reply.securityHeaders(), LINE_FULL));
    });
  },
  { name: 'serve-last' },
);
