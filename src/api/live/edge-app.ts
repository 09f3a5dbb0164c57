import { httpServerOptions } from '../http-server.ts';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type AppDependencies, DEFAULT_HTTP, type HttpSettings } from '../app.ts';
import accessLog from '../plugins/access-log.ts';
import auth from '../plugins/auth.ts';
import openapi from '../plugins/openapi.ts';
import queries from '../plugins/queries.ts';
import finiteNumbers from '../plugins/finite-numbers.ts';
import { frameworkErrorOptions } from '../plugins/framework-errors.ts';
import mediaTypes from '../plugins/media-types.ts';
import problemDetails from '../plugins/problem-details.ts';
import textInput from '../plugins/text-input.ts';
import protection from '../plugins/protection.ts';
import { frontDoorRoutes } from '../pages/pages.ts';
import { healthRoutes } from '../routes/health.ts';
import { liveEdge } from './index.ts';
import { clientAddressFields } from '../client-address.ts';

/**
 * Node 24 sizes the young generation from the heap limit and doubles it while thousands of viewers
 * connect (their sockets survive collections); it stays resident, about 6 KB per viewer at 10,000,
 * for nothing an edge needs. 16 MiB is Node 20's size. `bench live` starts its edge with these.
 */
export const EDGE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=16'];

/**
 * `pollster serve --edge-only`: the live edge without the command API, so viewers (tens of
 * thousands of long-lived sockets) scale apart from ballots. Same plugins as buildApp where they
 * matter to a viewer: the access log, problem+json errors, security headers/CORS, the OpenAPI
 * document, auth (bearer or `access_token`), health, the front door; then liveResults,
 * liveResultsSse and the page (a 404 page for a poll that does not exist). The page
 * reads the poll from getPoll, so a load balancer sends `/api/polls/:id` (not `/live`) to API nodes.
 */
export async function buildEdgeApp(deps: Omit<AppDependencies, 'redis'>): Promise<FastifyInstance> {
  const http: HttpSettings = { ...DEFAULT_HTTP, ...deps.http };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Viewers send no bodies.
    bodyLimit: 1024,
    trustProxy: http.trustProxy,
    // problem-details answers requests that arrive while closing (problem+json, Retry-After).
    return503OnClosing: false,
    ...httpServerOptions(http),
    // The router's and the HTTP parser's refusals are problem+json too (framework-errors.ts).
    ...frameworkErrorOptions,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Viewers only read: `app.queries` without the command side.
  await app.register(clientAddressFields);
  await app.register(queries, { services: deps.services });
  await app.register(problemDetails);
  await app.register(accessLog);
  await app.register(mediaTypes);
  await app.register(textInput);
  await app.register(finiteNumbers);
  await app.register(protection, { corsOrigins: http.corsOrigins });
  await app.register(openapi);
  await app.register(auth, {
    secret: deps.services.secrets.jwtSecret,
    accessTokenSeconds: http.accessTokenSeconds,
    accounts: app.queries.tokenAccount,
  });
  await app.register(healthRoutes, { checks: deps.healthChecks });
  await app.register(frontDoorRoutes);
  await app.register(liveEdge, { ...deps.live });
  // Set to any value counts: the operator chose one.
  const name = (option: string) => option.split('=')[0];
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(name);
  if (!EDGE_NODE_OPTIONS.every((option) => given.includes(name(option)))) {
    app.log.info({ nodeOptions: EDGE_NODE_OPTIONS }, 'edge: run this process with these Node options for less memory per viewer (README, "Live results")');
  }
  return app as unknown as FastifyInstance;
}
