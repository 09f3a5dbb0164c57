import type { FastifyInstance } from 'fastify';
import { JOIN_CODE_PATTERN } from '../../domain/join-code/join-code.ts';
import type { ExistingPollState } from '../../domain/poll/state.ts';
import { NotFoundError } from '../../domain/shared/errors.ts';

/**
 * The poll a page URL names: a join code (all digits, which no slug is) or a poll id or slug.
 * Undefined when there is none. Only existence is checked: what the viewer may see is the API's
 * decision, which the page's script asks with the viewer's own credentials.
 */
export async function resolvePoll(app: FastifyInstance, key: string): Promise<ExistingPollState | undefined> {
  if (JOIN_CODE_PATTERN.test(key)) {
    try {
      return await app.queries.findPollByJoinCode(key);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }
  return app.queries.findPoll(key);
}
