import type { QuestionDefinition } from '../../../domain/poll/definition.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { ExistingPollState } from '../../../domain/poll/state.ts';
import type { PollSummary } from '../../../projections/queries.ts';
import { assertMayReadPoll, pollListing, showsBallotCount } from '../../read-rules.ts';
import type { GraphqlContext } from '../context.ts';
import { PAGE_SIZE, pageSize } from '../limits.ts';

/** A Poll as the schema's fields read it, from getPoll's state or a listPolls summary. */
export interface PollNode extends Omit<PollSummary, 'ballots'> {
  joinCode: string | null;
  /** Absent in a listing: the Poll.questions field reads the poll then. */
  questions?: readonly QuestionDefinition[];
  /** Null where the caller may not see it (read-rules.ts, showsBallotCount). */
  ballots: number | null;
}

const fromState = (state: ExistingPollState): PollNode => ({
  ...state.poll,
  status: state.status,
  openedAt: state.status === 'draft' ? null : state.openedAt,
  closedAt: state.status === 'closed' ? state.closedAt : null,
  // Released at close: a closed poll's code may already name another poll.
  joinCode: state.status === 'active' ? (state.joinCode ?? null) : null,
  ballots: null,
});

/** The poll a field of a Poll is about, as it is now (the poll cache), for the read rules. */
export async function pollState(context: GraphqlContext, pollId: string): Promise<ExistingPollState> {
  const state = await context.queries.poll(pollId);
  if (state.status === 'none') throw pollNotFound(pollId);
  return state;
}

export const pollQueries = {
  /** getPoll. */
  async poll(_root: unknown, { id }: { id: string }, context: GraphqlContext): Promise<PollNode> {
    const state = await context.queries.findPoll(id);
    if (!state) throw pollNotFound(id);
    await assertMayReadPoll(context.queries.verifiedEmail, state, await context.caller(), id);
    return fromState(state);
  },

  /** listPolls, with its paging (the read model's cursor) and its listing rule. */
  async polls(
    _root: unknown,
    args: { first: number; after?: string | null; status?: PollNode['status'] | null; mine?: boolean | null },
    context: GraphqlContext,
  ) {
    const user = await context.caller();
    const page = await context.queries.listPolls({
      ...pollListing(user, { ...(args.status ? { status: args.status } : {}), ...(args.mine ? { mine: true } : {}) }),
      ...(args.after ? { cursor: args.after } : {}),
      limit: pageSize(args.first, PAGE_SIZE.polls),
    });
    const nodes = page.items.map((poll: PollSummary): PollNode => ({
      ...poll,
      joinCode: null,
      ballots: showsBallotCount(poll, user) ? poll.ballots : null,
    }));
    return { nodes, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
  },
};

export const pollFields = {
  async questions(poll: PollNode, _args: unknown, context: GraphqlContext) {
    return poll.questions ?? (await pollState(context, poll.pollId)).poll.questions;
  },
};
