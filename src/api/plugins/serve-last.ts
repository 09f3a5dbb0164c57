import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BackOfTheLine } from '../back-of-the-line.ts';

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
 * other plugin with hooks. Past `limit` waiting, a request is served at once.
 */
export default fp<{ limit: number }>(
  async (app: FastifyInstance, { limit }) => {
    const line = new BackOfTheLine(limit);
    app.addHook('onRequest', (request, _reply, done) => {
      const serveLast = request.routeOptions.config.serveLast;
      if (serveLast !== undefined && serveLast(request)) line.push(done);
      else done();
    });
  },
  { name: 'serve-last' },
);
