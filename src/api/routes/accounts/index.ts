import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountDeps } from '../../../commands/users/account-deps.ts';
import { ImportJobs, type ImportJobsOptions } from '../../../commands/users/import/import-jobs-runner.ts';
import type { Services } from '../../../runtime/services.ts';
import { authRoutes } from './auth-routes.ts';
import { importRoutes } from './import-routes.ts';
import { meRoutes } from './me-routes.ts';

export interface AccountRoutesOptions {
  services: Services;
  /** Upload size limit, spool folder, rows in flight (defaults in import-jobs-runner.ts). */
  imports?: ImportJobsOptions;
}

/** The "Accounts and identity" table of API.md, plus the import job's setup token download. */
export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { services, imports }) => {
  const deps = accountDeps(services);
  const jobs = new ImportJobs(deps, { logger: app.log, ...imports });
  // Shutdown stops running imports (they end as failed; importing the file again skips what they did).
  app.addHook('onClose', () => jobs.close());
  await app.register(authRoutes, { deps });
  await app.register(meRoutes, { deps });
  await app.register(importRoutes, { deps, jobs });
};
