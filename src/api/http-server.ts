import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Problem } from './plugins/problem-details.ts';

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
 * seconds. A request that takes too long, or that Node cannot parse, is answered here, below
 * Fastify's routing, so this answers with a problem+json of its own, as every other error is.
 */
export function httpServerOptions(
  timeouts: HttpTimeouts,
): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout' | 'clientErrorHandler'> & { http: ServerOptions } {
  return {
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http: {
      // Node requires headersTimeout <= requestTimeout.
      headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
      // Node looks for expired requests only this often (default 30 s, which would stretch a 10 s bound to 40 s).
      connectionsCheckingInterval: Math.max(250, Math.min(2_000, timeouts.headersTimeoutMs / 2)),
    },
    clientErrorHandler: answerClientError,
  };
}

function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request.timeout', 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request.headers-too-large', 'the request headers are too large']
        : [400, 'request.malformed', 'the request is not valid HTTP'];
  const problem: Problem = { type: `https://pollster.dev/problems/${code}`, title: STATUS_CODES[status]!.toLowerCase(), status, detail, code };
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
