import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { completeDocument } from './openapi-document.ts';

/**
 * The route schemas are the OpenAPI document, completed by openapi-document.ts so that it
 * generates a typed client: served at /api/openapi.json, Swagger UI at /api/docs. GET /metrics is
 * left out on purpose: it is for Prometheus scrapers, not API clients (README, "Operations").
 */
export default fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      // named component schemas, response descriptions and examples, stream media types
      transformObject: (documentObject) => completeDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Pollster',
          version: '0.1.0',
          description: 'Event-sourced voting ledger: commands append to an immutable log; reads come from projections.',
        },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs' });
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
