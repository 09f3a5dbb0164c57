import { DEFAULT_TIMEOUTS, httpServerOptions, type HttpTimeouts } from './http-server.ts';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiServices } from './api-services.ts';
import { graphqlApi, type GraphqlOptions } from './graphql/plugin.ts';
import { DEFAULT_GRAPHQL_LIMITS } from './graphql/limits.ts';
import { liveEdge, type LiveEdgeOptions } from './live/index.ts';
import { consolePageRoutes } from './pages/console-routes.ts';
import { joinPageRoutes } from './pages/join-routes.ts';
import { frontDoorRoutes } from './pages/pages.ts';
import { presenterPageRoutes } from './pages/presenter-routes.ts';
import { votePageRoutes } from './pages/vote-routes.ts';
import accessLog from './plugins/access-log.ts';
import auth from './plugins/auth.ts';
import commands from './plugins/commands.ts';
import queries from './plugins/queries.ts';
import openapi from './plugins/openapi.ts';
import protection, { perMinute, sharedPerMinute } from './plugins/protection.ts';
import finiteNumbers from './plugins/finite-numbers.ts';
import { frameworkErrorOptions } from './plugins/framework-errors.ts';
import mediaTypes from './plugins/media-types.ts';
import problemDetails from './plugins/problem-details.ts';
import serveLast from './plugins/serve-last.ts';
import textInput from './plugins/text-input.ts';
import { accountRoutes } from './routes/accounts/index.ts';
import { exportAnalyticsCsvRoute } from './routes/analytics/export-analytics-csv.ts';
import { getAnalyticsRoute } from './routes/analytics/get-analytics.ts';
import { auditRoutes } from './routes/audit/audit-routes.ts';
import { ballotRoutes } from './routes/ballots/ballot-routes.ts';
import { credentialRoutes } from './routes/credentials/credential-routes.ts';
import { healthRoutes, type HealthChecks } from './routes/health.ts';
import { metricsRoute } from './routes/metrics.ts';
import { pollRoutes } from './routes/polls/index.ts';
import { joinPollRoute } from './routes/polls/join-poll.ts';
import { reviewRoutes } from './routes/review/index.ts';
import { getResultsRoute } from './routes/results/get-results.ts';
import { clientAddressFields } from './client-address.ts';

/** Everything the HTTP layer needs, passed in: the app opens no connections of its own. */
export interface AppDependencies {
  logger: Logger;
  services: ApiServices;
  healthChecks: HealthChecks;
  http?: Partial<HttpSettings>;
  /** Shared rate-limit counters across API nodes (REDIS_URL); in-process when absent. */
  redis?: Redis;
  /** The live edge's bus and LIVE_* settings; without a bus the edge follows the read model alone. */
  live?: LiveEdgeOptions;
  /** GraphiQL defaults to on unless NODE_ENV is `production`; limits default to DEFAULT_GRAPHQL_LIMITS. */
  graphql?: Partial<GraphqlOptions>;
}

/** The HTTP knobs of the README's configuration table, with their defaults. */
export interface HttpSettings extends HttpTimeouts {
  accessTokenSeconds: number;
  bodyLimit: number;
  /** TRUST_PROXY: proxies whose X-Forwarded-For is believed (false = the socket address). */
  trustProxy: boolean | string | string[];
  corsOrigins: string[];
  /** Per client IP; 0 = off. */
  ballotsPerMinute: number;
  authPerMinute: number;
  /** Per client IP, shared by every join code lookup (API and pages); 0 = off. */
  joinPerMinute: number;
  /** Per client IP on getReceiptProof (anyone's, and it reads the poll whole); 0 = off. */
  proofsPerMinute: number;
  /** Requests served last (a challenged network's ballots) served a second, over all their lines. */
  serveLastPerSecond: number;
}

export const DEFAULT_HTTP: HttpSettings = {
  ...DEFAULT_TIMEOUTS,
  accessTokenSeconds: 3600,
  bodyLimit: 1_048_576,
  trustProxy: false,
  corsOrigins: [],
  ballotsPerMinute: 120,
  authPerMinute: 30,
  joinPerMinute: 120,
  proofsPerMinute: 30,
  serveLastPerSecond: 250,
};

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const http: HttpSettings = { ...DEFAULT_HTTP, ...deps.http };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: http.bodyLimit,
    trustProxy: http.trustProxy,
    // problem-details answers requests that arrive while closing (problem+json, Retry-After).
    return503OnClosing: false,
    ...httpServerOptions(http),
    // The router's and the HTTP parser's refusals are problem+json too (framework-errors.ts).
    ...frameworkErrorOptions,
    // Bad input must be rejected, not silently trimmed: keep unknown properties so that
    // `additionalProperties: false` in the schemas turns them into a 400.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // Fastify's two lines per request (serialised req and res) are off; access-log.ts writes one,
    // and LOG_LEVEL=warn silences it where even that is too much.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids become correlation ids in event metadata: unique across processes.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(clientAddressFields);
  // Before every plugin with hooks: a request a route serves last does nothing before its turn.
  await app.register(serveLast, { perLine: 64, total: 1_024, perSecond: http.serveLastPerSecond });
  // The command and query sides, as `app.commands` and `app.queries`: all that routes see.
  await app.register(commands, { services: deps.services });
  await app.register(queries, { services: deps.services });
  await app.register(problemDetails);
  await app.register(accessLog);
  await app.register(mediaTypes);
  await app.register(textInput);
  await app.register(finiteNumbers);
  // First, so that its request-duration hook sees every route registered after it.
  await app.register(metricsRoute);
  await app.register(protection, { corsOrigins: http.corsOrigins, ...(deps.redis ? { redis: deps.redis } : {}) });
  await app.register(openapi);
  await app.register(auth, {
    secret: deps.services.secrets.jwtSecret,
    accessTokenSeconds: http.accessTokenSeconds,
    accounts: app.queries.tokenAccount,
  });
  await app.register(healthRoutes, { checks: deps.healthChecks });
  await app.register(frontDoorRoutes);
  // Route plugins of the API: each reaches app.commands and app.queries, nothing else.
  await app.register(auditRoutes, { proofRateLimit: perMinute(http.proofsPerMinute) });
  await app.register(reviewRoutes);
  await app.register(getResultsRoute);
  await app.register(getAnalyticsRoute);
  await app.register(exportAnalyticsCsvRoute);
  const graphql: GraphqlOptions = { graphiql: process.env.NODE_ENV !== 'production', ...deps.graphql };
  const graphqlLimits = { ...DEFAULT_GRAPHQL_LIMITS, ...graphql.limits };
  // One websocket server for both: a subscription's query must fit in a message.
  await app.register(liveEdge, { maxMessageBytes: graphqlLimits.maxQueryBytes, ...deps.live });
  // The read API again, as GraphQL: the same app.queries, read rules and live hub (src/api/graphql).
  await app.register(graphqlApi, { ...graphql, limits: graphqlLimits });
  await app.register(accountRoutes, { rateLimit: perMinute(http.authPerMinute) });
  await app.register(pollRoutes);
  // One count per address over every join code lookup, the pages' included.
  const joinRateLimit = sharedPerMinute(app as unknown as FastifyInstance, http.joinPerMinute, 'join-code');
  await app.register(joinPollRoute, { rateLimit: joinRateLimit });
  await app.register(joinPageRoutes, { rateLimit: joinRateLimit });
  await app.register(votePageRoutes, { rateLimit: joinRateLimit });
  await app.register(presenterPageRoutes);
  await app.register(consolePageRoutes);
  await app.register(ballotRoutes, { rateLimit: perMinute(http.ballotsPerMinute) });
  await app.register(credentialRoutes, { rateLimit: perMinute(http.ballotsPerMinute) });
  return app as unknown as FastifyInstance;
}
