import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountDeps } from '../../../commands/users/account-deps.ts';
import { ImportJobs, type ImportJobsOptions } from '../../../commands/users/import/import-jobs-runner.ts';
import { dummyHash } from '../../../commands/users/password-hash.ts';
import type { Services } from '../../../runtime/services.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { authRoutes } from './auth-routes.ts';
import { emailRoutes } from './email-routes.ts';
import { importRoutes } from './import-routes.ts';
import { meRoutes } from './me-routes.ts';

export interface AccountRoutesOptions {
  services: Services;
  /** Per client IP on register and login. */
  rateLimit: RateLimitConfig;
  /** Upload size limit, spool folder, rows in flight (defaults in import-jobs-runner.ts). */
  imports?: ImportJobsOptions;
}

/** The "Accounts and identity" table of API.md, plus the import job's setup token download. */
export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { services, imports, rateLimit }) => {
  const deps = accountDeps(services);
  // Made now, not at the first failed login, which would otherwise take twice as long as the rest.
  await dummyHash();
  const jobs = new ImportJobs(deps, { logger: app.log, ...imports });
  // Shutdown stops running imports (they end as failed; importing the file again skips what they did).
  app.addHook('onClose', () => jobs.close());
  await app.register(authRoutes, { deps, rateLimit });
  await app.register(meRoutes, { deps });
  await app.register(importRoutes, { deps, jobs });
  await app.register(emailRoutes, { deps, rateLimit });
};
