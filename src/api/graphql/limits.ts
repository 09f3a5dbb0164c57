import type { DocumentNode, GraphQLSchema } from 'graphql';
import { directiveEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import mercurius from 'mercurius';
import { ValidationError } from '../../domain/shared/errors.ts';

/**
 * What one GraphQL request may ask for. A GraphQL query names its own work, so the bounds REST
 * gets from its fixed routes are set here: nesting depth, cost (the reads a query makes, from the
 * schema's `@complexity`), size, and page sizes as REST's `limit`s.
 */
export interface GraphqlLimits {
  /**
   * Nesting of selections. The data types have no cycles (the deepest read,
   * `polls.nodes.results.questions.rounds.tallies.votes`, is 7), so depth matters where types do
   * cycle: introspection (`__Type.fields.type.fields...`). 15 is the depth of the standard
   * introspection query (graphql-js getIntrospectionQuery, what GraphiQL and code generators send).
   */
  maxDepth: number;
  /** Sum of the `@complexity` of the selected fields, lists multiplied by their `first`. */
  maxCost: number;
  /** Tokens of a query document: parsing stops there. */
  maxTokens: number;
  /** Bytes of a request body (POST) and of a websocket message (subscriptions). */
  maxQueryBytes: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = { maxDepth: 15, maxCost: 1000, maxTokens: 2000, maxQueryBytes: 16_384 };

/** Page sizes, as REST bounds `limit` on the same operations (listPolls, listFlags, listAuditEvents). */
export const PAGE_SIZE = { polls: 100, flags: 100, auditEvents: 1000 } as const;

/** `first` within 1..max, refused as REST refuses a `limit` out of range. */
export function pageSize(first: number, max: number): number {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw new ValidationError('request.invalid', `first must be an integer from 1 to ${max}`, { field: 'first' });
  }
  return first;
}

/** Fields without `@complexity` cost nothing: a scalar of a loaded object is no read. */
const estimators = [directiveEstimator({ name: 'complexity' }), simpleEstimator({ defaultComplexity: 0 })];

/**
 * Refuses an operation above the cost budget before any resolver runs. Asked at execution rather
 * than as a validation rule, because the cost depends on the variables (`first: $n`) and
 * mercurius caches validation per query text.
 */
export function assertWithinCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, maxCost: number, operationName?: string): void {
  const cost = getComplexity({ schema, query: document, variables: variables ?? {}, estimators, ...(operationName ? { operationName } : {}) });
  if (cost > maxCost) {
    throw new mercurius.ErrorWithProps(`query cost ${cost} is above the limit of ${maxCost}: ask for fewer items or fewer nested reads`,
      { code: 'graphql.too-costly', cost, maxCost }, 400);
  }
}
