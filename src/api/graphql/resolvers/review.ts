import { REVIEW_QUEUE_READERS, requireRole } from '../../read-rules.ts';
import type { GraphqlContext } from '../context.ts';
import { PAGE_SIZE, pageSize } from '../limits.ts';

interface FlagsArgs {
  first: number;
  after?: string | null;
  status?: 'pending' | 'upheld' | 'rejected' | null;
  pollId?: string | null;
  reason?: string | null;
}

export const reviewQueries = {
  /** listFlags: the review queue, for the roles REST lets in. */
  async flags(_root: unknown, args: FlagsArgs, context: GraphqlContext) {
    requireRole(await context.caller(), REVIEW_QUEUE_READERS);
    const page = await context.queries.listFlags({
      ...(args.status ? { status: args.status } : {}),
      ...(args.pollId ? { pollId: args.pollId.toLowerCase() } : {}),
      ...(args.reason ? { reason: args.reason } : {}),
      ...(args.after ? { cursor: args.after } : {}),
      limit: pageSize(args.first, PAGE_SIZE.flags),
    });
    return { nodes: page.items, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
  },
};
