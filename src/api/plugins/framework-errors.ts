import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problemOf, sendProblem, type Problem } from './problem-details.ts';

/**
 * Errors Fastify answers before any route, hook or error handler runs. Left to Fastify they are
 * its own JSON (`{"error", "code": "FST_ERR_BAD_URL", "message": "'<the whole path>' is ..."}`);
 * these options make them problem+json with a stable code like every other error. Both apps
 * (buildApp, buildEdgeApp) pass them to `Fastify()`.
 */
export const frameworkErrorOptions = {
  /** The router: a path that is not valid percent-encoded UTF-8, a parameter over maxParamLength. */
  frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    void sendProblem(reply, problemOf(error, request));
  },

  /**
   * Node's HTTP parser: bytes that are not HTTP (a NUL in a header, a broken request line),
   * headers over the size limit, a request that never finished arriving. There is no request
   * object yet, so the answer is written on the socket, and the connection closed, as Node does.
   */
  clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, detail] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request.timeout', 'the request did not arrive in time']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'request.headers-too-large', 'the request headers are larger than this server takes']
          : [400, 'request.malformed', 'the request is not valid HTTP/1.1'];
    const title = (STATUS_CODES[status] ?? 'bad request').toLowerCase();
    const body = JSON.stringify({ type: `https://pollster.dev/problems/${code}`, title, status, detail, code } satisfies Problem);
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  },
};
