import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { problemError, rateLimited } from './problem-details.ts';
import securityHeaders from './security-headers.ts';
import { clientAddress } from '../client-address.ts';
import { batchedRedisStore } from './rate-limit-store.ts';

export interface ProtectionOptions {
  /** Origins allowed to call the API from a browser; empty = no CORS headers. */
  corsOrigins: readonly string[];
  /** Rate limit store shared by every API node; in-process when absent. */
  redis?: Redis;
}

/**
 * Security headers, CORS and the rate limiter. The limiter is off by default and switched on per
 * route (`config.rateLimit`), keyed by client IP (`request.ip`, which honours TRUST_PROXY).
 */
export default fp<ProtectionOptions>(
  async (app: FastifyInstance, options) => {
    // The API serves JSON; the HTML it serves (Swagger UI, the pages) sets its own policy.
    await app.register(securityHeaders, { helmet: { contentSecurityPolicy: false } });
    if (options.corsOrigins.length > 0) await app.register(cors, { origin: [...options.corsOrigins], credentials: false });
    await app.register(rateLimit, {
      global: false,
      keyGenerator: clientAddress,
      // The same keys as the library's own Redis store, counted a turn of the event loop at a time.
      ...(options.redis ? { store: batchedRedisStore(options.redis, 'pollster:ratelimit:') } : {}),
      errorResponseBuilder: (_request, context) => {
        // The error handler turns a thrown object with statusCode into problem+json as-is.
        return problemError(rateLimited(`rate limit of ${context.max} requests per ${context.after} exceeded; retry later`));
      },
    });
  },
  { name: 'protection', dependencies: ['problem-details'] },
);

export type RateLimitConfig = { rateLimit: { max: number; timeWindow: number } | false };

/** Per-route limiter config; `max` 0 means off. Each route counts on its own. */
export function perMinute(max: number): RateLimitConfig {
  return { rateLimit: max > 0 ? { max, timeWindow: 60_000 } : false };
}

/** Route options that make several routes share one count per client (the hook is one limiter). */
export type SharedRateLimit = { onRequest?: onRequestHookHandler };

/** One limiter for a group of routes (`config.rateLimit` would give each route a count of its own); `max` 0 means off. */
export function sharedPerMinute(app: FastifyInstance, max: number, groupId: string): SharedRateLimit {
  return max > 0 ? { onRequest: app.rateLimit({ max, timeWindow: 60_000, groupId }) } : {};
}
