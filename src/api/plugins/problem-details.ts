import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PollsterError, UnavailableError, withoutStack, type ErrorKind } from '../../domain/shared/errors.ts';
import { excerpt } from '../../domain/shared/text.ts';

/**
 * The one place errors become HTTP: RFC 9457 problem+json with a stable `code` and the `field`
 * at fault. Domain errors map by kind; schema failures are 400; anything unexpected is a 500
 * whose details stay in the log, never in the response.
 */
const STATUS: Record<ErrorKind, number> = {
  validation: 422,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-required': 428,
  'too-many-requests': 429,
  unavailable: 503,
};

/** The names API.md gives some domain errors; clients match on these. */
const PUBLIC_CODES: Record<string, string> = {
  'ballot.already-cast': 'already-voted',
  'poll.not-active': 'poll-not-active',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

/** 429 `rate-limited`: the per-address limits (protection.ts) and a full serve-last line (serve-last.ts). */
export function rateLimited(detail: string): Problem {
  return { type: 'https://pollster.dev/problems/rate-limited', title: 'too many requests', status: 429, detail, code: 'rate-limited' };
}

/**
 * An error the handler sends as it is: for problems raised outside the domain (limits, hooks).
 * All of them are a client's 4xx, some drawn by every request of a flood: no stack trace.
 */
export function problemError(problem: Problem): Error {
  return withoutStack(() => Object.assign(new Error(problem.detail), { statusCode: problem.status, problem }));
}

/**
 * Fastify's own errors that reach clients, under codes of ours (a Fastify upgrade renaming one
 * must not change the API), with details that do not repeat the request back.
 */
const FRAMEWORK: Record<string, { code: string; detail: string }> = {
  FST_ERR_BAD_URL: { code: 'request.bad-url', detail: 'the URL path is not valid: a malformed percent-encoding, or bytes that are not UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'request.param-too-long', detail: 'a path parameter is longer than any id or slug can be' },
};

/** The media types a route's body may come in: those its schema lists, else JSON. */
export function acceptedMediaTypes(request: FastifyRequest | undefined): string[] {
  const body = request?.routeOptions.schema?.body as { content?: Record<string, unknown> } | undefined;
  return body?.content ? Object.keys(body.content) : ['application/json'];
}

export function unsupportedMediaType(accepted: readonly string[]): Problem {
  return {
    type: 'https://pollster.dev/problems/request.unsupported-media-type',
    title: 'unsupported media type',
    status: 415,
    detail: `this operation takes a body of type ${accepted.join(', ')}: say which in the content-type header`,
    code: 'request.unsupported-media-type',
  };
}

export function problemOf(error: FastifyError | Error, request?: FastifyRequest): Problem {
  if (error instanceof PollsterError) {
    const status = STATUS[error.kind];
    const code = PUBLIC_CODES[error.code] ?? error.code;
    return {
      type: `https://pollster.dev/problems/${code}`,
      title: error.kind.replace('-', ' '),
      status,
      detail: error.message,
      code,
      ...(error.field ? { field: error.field } : {}),
    };
  }
  const fastifyError = error as FastifyError & { problem?: Problem };
  if (fastifyError.problem) return fastifyError.problem;
  // A body that breaks its schema is a validation error like any other (ARCHITECTURE.md: 422).
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const path = first?.instancePath?.replace(/^\//, '').replaceAll('/', '.') ?? '';
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const field = [fastifyError.validationContext, path, extra].filter(Boolean).join('.');
    return {
      type: 'https://pollster.dev/problems/request.invalid',
      title: 'invalid request',
      status: fastifyError.validationContext === 'body' ? 422 : 400,
      detail: fastifyError.message,
      code: 'request.invalid',
      field,
    };
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType(acceptedMediaTypes(request));
  const status = fastifyError.statusCode && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  if (status < 500) {
    const known = FRAMEWORK[fastifyError.code ?? ''];
    const code = known?.code ?? `request.${(fastifyError.code ?? 'invalid').toLowerCase().replace(/^fst_(err_)?/, '').replaceAll('_', '-')}`;
    const title = status === 400 ? 'bad request' : (STATUS_CODES[status] ?? 'bad request').toLowerCase();
    return { type: `https://pollster.dev/problems/${code}`, title, status, detail: known?.detail ?? fastifyError.message, code };
  }
  return {
    type: 'https://pollster.dev/problems/internal',
    title: 'internal error',
    status,
    detail: 'the server could not complete the request; it has been logged',
    code: 'internal',
  };
}

/** Seconds a client should wait before retrying a 503: long enough for a restart or a failover. */
const RETRY_AFTER_SECONDS = 5;

/**
 * How much of a problem may be the client's own input sent back. Details and fields quote input
 * (a slug, an unknown property's name, a URL); a client sending 10 kB must not get 10 kB back,
 * nor a NUL it slipped in. Messages of our own are far shorter than these bounds.
 */
export const ECHO_LIMIT = 200;
const DETAIL_LIMIT = 500;

/** Every problem leaves through here: the error handler, the not-found handler, Fastify's framework errors. */
export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds = RETRY_AFTER_SECONDS): FastifyReply {
  const bounded: Problem = {
    ...problem,
    detail: excerpt(problem.detail, DETAIL_LIMIT),
    ...(problem.field !== undefined ? { field: excerpt(problem.field, ECHO_LIMIT) } : {}),
  };
  // Every 503 and 429 is temporary by definition: say when to come back (RFC 9110 §10.2.3).
  if (problem.status === 503 || problem.status === 429) reply.header('retry-after', String(retryAfterSeconds));
  return reply.status(problem.status).type('application/problem+json').send(bounded);
}

export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = problemOf(error, request);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      // An error that knows when to come back (a throttle's window) says so itself.
      const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      return sendProblem(reply, problem, typeof retryAfter === 'number' ? retryAfter : undefined);
    });
    // A request that reaches a closing server (a keep-alive connection's next request) gets a
    // problem like every other error, not Fastify's own JSON: the apps set return503OnClosing off.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', (_request, reply, done) => {
      if (!closing) return done();
      reply.header('connection', 'close');
      done(new UnavailableError('server.shutting-down', 'this server is shutting down; retry the request'));
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: 'https://pollster.dev/problems/route.not-found',
        title: 'not found',
        status: 404,
        detail: `no route ${request.method} ${excerpt(request.url, ECHO_LIMIT)}`,
        code: 'route.not-found',
      }),
    );
  },
  { name: 'problem-details' },
);
