import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../../runtime/services.ts';
import { createPollRoute } from './create-poll.ts';
import { getPollRoute } from './get-poll.ts';
import { issueVoteTokensRoute } from './issue-vote-tokens.ts';
import { listPollsRoute } from './list-polls.ts';
import { openClosePollRoutes } from './open-close-poll.ts';

/** The Polls table of API.md. */
export const pollRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  await app.register(createPollRoute, { services });
  await app.register(getPollRoute, { services });
  await app.register(listPollsRoute, { services });
  await app.register(openClosePollRoutes, { services });
  await app.register(issueVoteTokensRoute, { services });
};
