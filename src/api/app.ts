import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Services } from '../runtime/services.ts';
import auth from './plugins/auth.ts';
import openapi from './plugins/openapi.ts';
import problemDetails from './plugins/problem-details.ts';
import { ballotRoutes } from './routes/ballots/ballot-routes.ts';
import { healthRoutes, type HealthCheck } from './routes/health.ts';
import { pollRoutes } from './routes/polls/index.ts';

/** Everything the HTTP layer needs, passed in: the app opens no connections of its own. */
export interface AppDependencies {
  logger: Logger;
  services: Services;
  healthChecks: Record<string, HealthCheck>;
  accessTokenSeconds?: number;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
}

/** Builds the Fastify app without listening, so tests drive it with `app.inject`. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    // Bad input must be rejected, not silently trimmed: keep unknown properties so that
    // `additionalProperties: false` in the schemas turns them into a 400.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // One log line per request would cost more than the ballot itself under load.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids become correlation ids in event metadata: unique across processes.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(problemDetails);
  await app.register(openapi);
  await app.register(auth, { secret: deps.services.secrets.jwtSecret, accessTokenSeconds: deps.accessTokenSeconds ?? 3600 });
  await app.register(healthRoutes, { checks: deps.healthChecks });
  // Route plugins of the API (each takes the services it needs):
  await app.register(pollRoutes, { services: deps.services });
  await app.register(ballotRoutes, { services: deps.services });
  return app as unknown as FastifyInstance;
}
