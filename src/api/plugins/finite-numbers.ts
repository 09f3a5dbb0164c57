import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { problemError } from './problem-details.ts';

/**
 * Query strings and path parameters arrive as text and ajv coerces them to the schema's number
 * types; it coerces `1e400` and `Infinity` to Infinity, which passes `type: integer` and skips
 * `minimum`/`maximum` (ajv checks ranges of finite numbers only). A route would then get an
 * "integer" that BigInt and PostgreSQL refuse. Coercion is the only way such a number appears
 * (JSON bodies cannot carry one: `type` itself checks isFinite), so it is refused here, after
 * validation and before any route code, as the schema failure it is.
 */
export default fp(
  async (app: FastifyInstance) => {
    // Callback style, not async: every request of every route passes here.
    app.addHook('preHandler', (request, _reply, done) => {
      for (const [part, values] of [['querystring', request.query], ['params', request.params]] as const) {
        if (values === null || typeof values !== 'object') continue;
        for (const [name, value] of Object.entries(values)) {
          if (typeof value === 'number' && !Number.isFinite(value)) {
            return done(problemError({
              type: 'https://pollster.dev/problems/request.invalid',
              title: 'invalid request',
              status: 400,
              detail: `${part}/${name} must be a finite number`,
              code: 'request.invalid',
              field: `${part}.${name}`,
            }));
          }
        }
      }
      done();
    });
  },
  { name: 'finite-numbers', dependencies: ['problem-details'] },
);
