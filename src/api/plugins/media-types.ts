import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON everywhere (API.md): a body in any other media type is 415 `request.unsupported-media-type`
 * naming the accepted ones (problem-details.ts). Fastify parses text/plain by default; dropping it
 * makes such a body a 415 rather than a confusing "body must be object", and takes away the one
 * body type a browser may post cross-origin without a CORS preflight. The import route, which
 * takes CSV and JSON lines, sets its own parsers in its own scope.
 */
export default fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('text/plain');
  },
  { name: 'media-types' },
);
