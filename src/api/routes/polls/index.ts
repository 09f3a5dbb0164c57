import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createPollRoute } from './create-poll.ts';
import { getPollRoute } from './get-poll.ts';
import { issueVoteTokensRoute } from './issue-vote-tokens.ts';
import { listPollsRoute } from './list-polls.ts';
import { openClosePollRoutes } from './open-close-poll.ts';

/** The Polls table of API.md. */
export const pollRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(createPollRoute);
  await app.register(getPollRoute);
  await app.register(listPollsRoute);
  await app.register(openClosePollRoutes);
  await app.register(issueVoteTokensRoute);
};
