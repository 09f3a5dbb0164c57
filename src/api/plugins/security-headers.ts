import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the global hook leaves this route's answers alone (it sets them itself, see the live route). */
    securityHeaders?: false;
  }
  interface FastifyReply {
    /** Sets the security headers on this reply, for a route that opted out of the global hook. */
    securityHeaders(): FastifyReply;
  }
}

/**
 * Helmet's headers for a configuration, computed once: helmet's middleware writes the same
 * headers for every request of one configuration, so it runs here against a recording response
 * instead of on every request (with @fastify/helmet, two hooks and a chain of eleven middlewares
 * per request were 3-5% of the API's main thread under ballot load).
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  // helmet's middleware is synchronous when every header is static (no CSP nonces): it calls next at once.
  helmet({ ...options })({} as never, response as never, (error?: unknown) => {
    failed = error;
  });
  if (failed) throw failed;
  if (Object.keys(headers).length === 0) throw new Error('helmet set no headers: its middleware may have become asynchronous');
  return Object.freeze(headers);
}

/** Security headers on every answer, except on routes with `config.securityHeaders: false`. */
export default fp<{ helmet: HelmetOptions }>(
  async (app: FastifyInstance, options) => {
    const headers = helmetHeaders(options.helmet);
    app.decorateReply('securityHeaders', function (this: import('fastify').FastifyReply) {
      return this.headers(headers);
    });
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.securityHeaders !== false) reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
