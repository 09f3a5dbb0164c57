import type { ASTVisitor, DocumentNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode, ValidationContext } from 'graphql';
import { directiveEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import mercurius from 'mercurius';
import { GRAPHQL_CODES } from './errors.ts';
import { GraphQLError, Kind } from './graphql-js.ts';
import { ValidationError } from '../../domain/shared/errors.ts';

/**
 * What one GraphQL request may ask for. A GraphQL query names its own work, so the bounds REST
 * gets from its fixed routes are set here: nesting depth, cost (the reads a query makes, from the
 * schema's `@complexity`), size, and page sizes as REST's `limit`s.
 */
export interface GraphqlLimits {
  /**
   * Nesting of selections, introspection fields aside (graphql-js bounds those with its own rule,
   * and the standard introspection query that GraphiQL and code generators send is 15 deep). The
   * deepest read of today's schema, `polls.nodes.results.questions.rounds.tallies.votes`, is 7:
   * the bound is for the types that will point back at each other (a flag's poll, a poll's flags).
   */
  maxDepth: number;
  /** Sum of the `@complexity` of the selected fields, lists multiplied by their `first`. */
  maxCost: number;
  /** Tokens of a query document: parsing stops there. */
  maxTokens: number;
  /** Bytes of a request body (POST) and of a websocket message (subscriptions). */
  maxQueryBytes: number;
  /**
   * Subscriptions one websocket may hold at once. The socket itself takes one live viewer slot
   * (LIVE_MAX_VIEWERS, LIVE_MAX_VIEWERS_PER_ADDRESS) like a websocket of the live routes.
   */
  maxSubscriptionsPerSocket: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = { maxDepth: 8, maxCost: 1000, maxTokens: 2000, maxQueryBytes: 16_384, maxSubscriptionsPerSocket: 10 };

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
      { code: GRAPHQL_CODES.tooCostly, cost, maxCost }, 400);
  }
}

/** How deep a selection set reaches; a fragment counts as the selections it holds, a cycle (invalid anyway) as too deep. */
function depthOf(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: ReadonlySet<string>): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, fragments, seen) : 0));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (seen.has(name)) return Number.POSITIVE_INFINITY;
      if (fragment) deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return deepest;
}

/** A validation rule: refuses operations nested deeper than `maxDepth` (code `graphql.too-deep`). */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`${operation.name?.value ?? 'the operation'} is nested ${depth} deep, above the limit of ${maxDepth}`,
            { nodes: [operation], extensions: { code: GRAPHQL_CODES.tooDeep, depth, maxDepth } }));
        }
      },
    };
  };
}
