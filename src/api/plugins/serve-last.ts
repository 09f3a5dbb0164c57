import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BackOfTheLine } from '../back-of-the-line.ts';
import { problemError, rateLimited } from './problem-details.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Whether this request waits for the turns every other request leaves (back-of-the-line.ts):
     * asked once, before any other hook, so none of its work (hooks, body, handler, answer) goes
     * ahead of requests this rule lets through. Only the order changes: it is served all the same.
     */
    serveLast?: (request: FastifyRequest) => boolean;
  }
}

/**
 * The first hook of every request: routes name in `config.serveLast` the requests that should
 * not compete with the rest (a flood the fraud screen already refuses). Registered before every
 * other plugin with hooks. Past `limit` waiting, such a request is answered 429 at once, with the
 * security headers the skipped hooks would have set: a flood larger than the line costs one
 * short answer per request and still goes ahead of no one.
 */
export default fp<{ limit: number }>(
  async (app: FastifyInstance, { limit }) => {
    const line = new BackOfTheLine(limit);
    app.addHook('onRequest', (request, reply, done) => {
      const serveLast = request.routeOptions.config.serveLast;
      if (serveLast === undefined || !serveLast(request)) return done();
      if (line.push(done)) return;
      reply.securityHeaders();
      done(problemError(rateLimited(`more than ${limit} requests from networks under a fraud challenge are waiting; retry later`)));
    });
  },
  { name: 'serve-last' },
);
