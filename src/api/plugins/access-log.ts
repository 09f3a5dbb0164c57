import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Probes and scrapes, every few seconds from machines: their lines would drown the ones people read.
const quiet = (path: string) => path === '/metrics' || path === '/health' || path.startsWith('/health/');

// Browsers cannot set headers on websockets and EventSource, so the live feed takes its token in
// the query (`?access_token=`): a URL is logged without it.
const ACCESS_TOKEN = /([?&]access_token=)[^&#]*/gi;

/** pino loggers say whether a level is on; any other logger is asked to log. */
const infoEnabled = (log: object): boolean =>
  !('isLevelEnabled' in log) || typeof log.isLevelEnabled !== 'function' || log.isLevelEnabled('info') === true;

function loggedUrl(url: string): string {
  return url.replace(ACCESS_TOKEN, '$1[redacted]');
}

/**
 * One line per request, when it has been answered: method, URL, route pattern, status and
 * duration, on the request's logger (which carries its reqId). Fastify's own two lines per
 * request are off (disableRequestLogging); headers and bodies are never logged.
 */
export default fp(
  async (app: FastifyInstance) => {
    app.addHook('onResponse', (request, reply, done) => {
      // Under LOG_LEVEL=warn no line is written: the line is not built either (a ballot's hot path).
      if (!infoEnabled(request.log) || quiet(request.url.split('?', 1)[0]!)) return done();
      const url = loggedUrl(request.url);
      const durationMs = Math.round(reply.elapsedTime * 10) / 10;
      request.log.info(
        { method: request.method, url, route: request.routeOptions.url, status: reply.statusCode, durationMs },
        `${request.method} ${url} ${reply.statusCode} ${durationMs} ms`,
      );
      done();
    });
  },
  { name: 'access-log' },
);
