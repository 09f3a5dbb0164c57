import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionResult, GraphQLError as GraphQLErrorType } from 'graphql';
import { GraphQLError } from './graphql-js.ts';
import { PollsterError } from '../../domain/shared/errors.ts';
import { problemOf } from '../plugins/problem-details.ts';

/** Codes of refusals only GraphQL has; everything else carries the code REST answers with. */
export const GRAPHQL_CODES = { invalid: 'graphql.invalid', tooDeep: 'graphql.too-deep', tooCostly: 'graphql.too-costly' } as const;

type Coded = Error & { code?: unknown; statusCode?: unknown; extensions?: Record<string, unknown>; errors?: unknown };

/**
 * An error as GraphQL clients get it: `extensions.code` is the problem code REST sends for the
 * same refusal (`auth.invalid-token`, `poll.not-found`, `results.hidden`, ...) and
 * `extensions.status` its HTTP status; an unexpected error is `internal`, its details in the log only.
 */
export function codedError(error: Error, log: FastifyBaseLogger): GraphQLErrorType {
  const graphql = error instanceof GraphQLError ? error : undefined;
  const original = (graphql ? graphql.originalError : error) as Coded | undefined;
  const at = { ...(graphql?.nodes ? { nodes: graphql.nodes } : {}), ...(graphql?.path ? { path: graphql.path } : {}) };
  if (original instanceof PollsterError) {
    const problem = problemOf(original);
    return new GraphQLError(problem.detail, { ...at, originalError: original, extensions: { code: problem.code, status: problem.status, ...(problem.field ? { field: problem.field } : {}) } });
  }
  const given = graphql?.extensions.code ?? original?.extensions?.code;
  if (typeof given === 'string') return new GraphQLError(error.message, { ...at, extensions: { ...original?.extensions, ...graphql?.extensions } });
  // Syntax and validation errors of the query itself: graphql-js raises them without an original.
  if (graphql && !original) return new GraphQLError(graphql.message, { ...at, ...(graphql.source ? { source: graphql.source } : {}), ...(graphql.positions ? { positions: graphql.positions } : {}), extensions: { code: GRAPHQL_CODES.invalid } });
  if (original && typeof original.statusCode === 'number' && original.statusCode < 500) {
    const problem = problemOf(original);
    return new GraphQLError(problem.detail, { ...at, extensions: { code: problem.code, status: problem.status } });
  }
  log.error({ err: original ?? error }, 'graphql: unexpected error');
  return new GraphQLError('the server could not complete the request; it has been logged', { ...at, extensions: { code: 'internal', status: 500 } });
}

/**
 * mercurius' errorFormatter. Request-level failures (syntax, validation, depth, cost, size) keep
 * the status mercurius gives them (400, 413); errors of fields come with data and a 200, as the
 * GraphQL over HTTP spec has it.
 */
export function formatErrors(
  execution: ExecutionResult & { errors: readonly GraphQLErrorType[]; statusCode?: number },
  context: { reply?: { log: FastifyBaseLogger }; app: { log: FastifyBaseLogger } },
) {
  const log = context.reply?.log ?? context.app.log;
  // mercurius wraps the errors of validation in one error that lists them.
  const errors = execution.errors.flatMap((e) => {
    const listed = (e.originalError as Coded | undefined)?.errors;
    return Array.isArray(listed) ? (listed as Error[]) : [e];
  });
  const first = execution.errors[0]?.originalError as Coded | undefined;
  const statusCode = execution.data ? 200 : execution.statusCode ?? (execution.errors.length === 1 && typeof first?.statusCode === 'number' ? first.statusCode : 200);
  return { statusCode, response: { data: execution.data ?? null, errors: errors.map((e) => codedError(e, log).toJSON()) } };
}
