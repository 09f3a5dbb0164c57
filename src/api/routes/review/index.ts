import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../../runtime/services.ts';
import { challengeRoute } from './challenge.ts';
import { flagBallotRoute } from './flag-ballot.ts';
import { listFlagsRoute } from './list-flags.ts';
import { reviewFlagRoute } from './review-flag.ts';

/** The Fraud review table of API.md, and the challenge a flagged network must solve to vote. */
export const reviewRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  await app.register(listFlagsRoute, { services });
  await app.register(flagBallotRoute, { services });
  await app.register(reviewFlagRoute, { services });
  await app.register(challengeRoute, { services });
};
