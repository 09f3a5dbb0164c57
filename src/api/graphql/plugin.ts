import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import type { WebSocket } from 'ws';
import { contextOf } from './context.ts';
import { codedError, formatErrors } from './errors.ts';
import { specifiedRules, validate } from './graphql-js.ts';
import { assertWithinCost, DEFAULT_GRAPHQL_LIMITS, depthLimit, type GraphqlLimits } from './limits.ts';
import { resolvers } from './resolvers/index.ts';

const schema = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface GraphqlOptions {
  /** GraphiQL at /graphiql: for development only (NODE_ENV not `production`). */
  graphiql: boolean;
  limits?: Partial<GraphqlLimits>;
}

/**
 * The GraphQL read API at /graphql (queries over GET and POST, subscriptions over a websocket).
 * Encapsulated on purpose (no fastify-plugin): mercurius sets an error handler, and REST keeps
 * its own problem+json one. Needs the auth plugin, `app.queries` and the live edge (`app.liveEdge`).
 */
export async function graphqlApi(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const limits: GraphqlLimits = { ...DEFAULT_GRAPHQL_LIMITS, ...options.limits };
  // GraphQL describes itself (introspection stays on: clients generate from it); the OpenAPI
  // document is REST's, so its routes stay out of it, as the pages and GET /metrics do.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  // A subscription socket is a live viewer like the live routes' sockets: the same slots, taken before the upgrade.
  app.addHook('preHandler', async (request) => {
    if (request.ws) app.liveViewers.admit(request);
  });
  const sockets = new Set<WebSocket>();
  await app.register(mercurius, {
    schema,
    resolvers: resolvers as never,
    path: '/graphql',
    graphiql: options.graphiql,
    validationRules: [depthLimit(limits.maxDepth)],
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    additionalRouteOptions: { bodyLimit: limits.maxQueryBytes },
    errorFormatter: formatErrors as never,
    context: (request) => contextOf(app, request),
    subscription: {
      context: (socket, request) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        return contextOf(app, request, { subscriptions: 0, maxSubscriptions: limits.maxSubscriptionsPerSocket });
      },
      keepAlive: 15_000,
    },
  });
  app.graphql.addHook('preExecution', (schema, document, _context, variables) => {
    assertWithinCost(schema, document, variables, limits.maxCost);
  });
  // graphql-js' subscribe() validates nothing, and mercurius skips its rules for subscriptions.
  app.graphql.addHook('preSubscriptionExecution', (schema, document) => {
    const errors = validate(schema, document, [...specifiedRules, depthLimit(limits.maxDepth)]);
    if (errors[0]) throw codedError(errors[0], app.log);
  });
  // The live edge ends its viewers before close; the subscription sockets go with them.
  app.addHook('preClose', async () => {
    for (const socket of sockets) socket.terminate();
  });
}
