import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type AppDependencies, DEFAULT_HTTP, type HttpSettings } from '../app.ts';
import auth from '../plugins/auth.ts';
import openapi from '../plugins/openapi.ts';
import problemDetails from '../plugins/problem-details.ts';
import protection from '../plugins/protection.ts';
import { healthRoutes } from '../routes/health.ts';
import { liveEdge } from './index.ts';

/**
 * `pollster serve --edge-only`: the live edge without the command API, so viewers (tens of
 * thousands of long-lived sockets) scale apart from ballots. Same plugins as buildApp where they
 * matter to a viewer: problem+json errors, security headers/CORS, the OpenAPI document, auth
 * (bearer or `access_token`), health; then liveResults, liveResultsSse and the page. The page
 * reads the poll from getPoll, so a load balancer sends `/api/polls/:id` (not `/live`) to API nodes.
 */
export async function buildEdgeApp(deps: Omit<AppDependencies, 'redis'>): Promise<FastifyInstance> {
  const http: HttpSettings = { ...DEFAULT_HTTP, ...deps.http };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Viewers send no bodies.
    bodyLimit: 1024,
    trustProxy: http.trustProxy,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(problemDetails);
  await app.register(protection, { corsOrigins: http.corsOrigins });
  await app.register(openapi);
  await app.register(auth, { secret: deps.services.secrets.jwtSecret, accessTokenSeconds: http.accessTokenSeconds });
  await app.register(healthRoutes, { checks: deps.healthChecks });
  await app.register(liveEdge, { services: deps.services, ...deps.live });
  return app as unknown as FastifyInstance;
}
