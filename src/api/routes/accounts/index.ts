import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { authRoutes } from './auth-routes.ts';
import { emailRoutes } from './email-routes.ts';
import { importRoutes } from './import-routes.ts';
import { meRoutes } from './me-routes.ts';

/** The "Accounts and identity" table of API.md, plus the import job's setup token download. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ rateLimit: RateLimitConfig }> = async (app, { rateLimit }) => {
  await app.register(authRoutes, { rateLimit });
  await app.register(meRoutes);
  await app.register(importRoutes);
  await app.register(emailRoutes, { rateLimit });
};
