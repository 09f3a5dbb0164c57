import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { challengeRoute } from './challenge.ts';
import { flagBallotRoute } from './flag-ballot.ts';
import { listFlagsRoute } from './list-flags.ts';
import { reviewFlagRoute } from './review-flag.ts';

/** The Fraud review table of API.md, and the challenge a flagged network must solve to vote. */
export const reviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(listFlagsRoute);
  await app.register(flagBallotRoute);
  await app.register(reviewFlagRoute);
  await app.register(challengeRoute);
};
