import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

/** Timeouts of the HTTP server (README configuration table: HTTP_*). */
export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this; then 408. */
  requestTimeoutMs: number;
  /** The headers must arrive within this; then 408. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 10_000 };

/**
 * The server options both apps (API and edge) share. A client that sends its headers or body
 * slowly (slowloris) holds a socket and its buffers: Node's defaults allow minutes; an API needs
 * seconds. The 408 such a request gets is a problem+json like every other error
 * (plugins/framework-errors.ts answers what Node's parser refuses).
 */
export function httpServerOptions(
  timeouts: HttpTimeouts,
): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout'> & { http: ServerOptions } {
  return {
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http: {
      // Node requires headersTimeout <= requestTimeout.
      headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
      // Node looks for expired requests only this often (default 30 s, which would stretch a 10 s bound to 40 s).
      connectionsCheckingInterval: Math.max(250, Math.min(2_000, timeouts.headersTimeoutMs / 2)),
    },
  };
}
