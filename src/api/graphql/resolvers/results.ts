import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { RunoffRound } from '../../../domain/results/instant-runoff.ts';
import { IteratorViewer, type LiveFrame } from '../../live/iterator-viewer.ts';
import { TooManyViewersError } from '../../live/viewer-limits.ts';
import { assertMayReadResults, maySeeRawTally } from '../../read-rules.ts';
import type { GraphqlContext } from '../context.ts';
import { codedError } from '../errors.ts';
import { pollState, type PollNode } from './polls.ts';

/** Set by Poll.results: whether the caller may see the raw tally beside these results. */
const kMaySeeRaw = Symbol('maySeeRaw');

/** Records of the REST body as lists: GraphQL has no map type, and clients would lose the types. */
const entries = <V>(record: Record<string, V>) => Object.entries(record);

export const resultsTypes = {
  QuestionResult: {
    rounds: (q: { rounds?: RunoffRound[] }) =>
      q.rounds?.map((r) => ({ ...r, tallies: entries(r.tallies).map(([optionId, votes]) => ({ optionId, votes })) })) ?? null,
    distribution: (q: { distribution?: Record<string, number> }) =>
      q.distribution ? entries(q.distribution).map(([value, ballots]) => ({ value: Number(value), ballots })) : null,
  },
  Results: {
    // The REST body counts positions as JSON numbers; the read model may hold a bigint.
    position: (r: { position: bigint | number }) => Number(r.position),
    /** Only on results read through Poll.results, which knows the caller; live frames carry none, as on REST. */
    async raw(r: { pollId: string; [kMaySeeRaw]?: boolean }, _args: unknown, context: GraphqlContext) {
      return r[kMaySeeRaw] ? context.queries.rawTally(r.pollId, undefined) : null;
    },
  },
  RawTally: { position: (r: { position: bigint }) => Number(r.position) },
};

export const pollResultsField = {
  /** getResults (the current results): the same rule and the same read. */
  async results(poll: PollNode, _args: unknown, context: GraphqlContext) {
    const state = await pollState(context, poll.pollId);
    const user = await context.caller();
    await assertMayReadResults(context.queries.verifiedEmail, state, user);
    const results = await context.queries.results(poll.pollId);
    if (!results) throw pollNotFound(poll.pollId);
    return { ...results, [kMaySeeRaw]: maySeeRawTally(state, user) };
  },
};

/** Who may watch decides once, when the subscription starts, as the websocket and SSE routes do. */
export const resultsSubscription = {
  results: {
    async subscribe(_root: unknown, args: { pollId: string; after?: number | null }, context: GraphqlContext) {
      const pollId = args.pollId.toLowerCase();
      try {
        const state = await pollState(context, pollId);
        await assertMayReadResults(context.queries.verifiedEmail, state, await context.caller());
      } catch (error) {
        // The subscription protocol sends errors as they are thrown: give them REST's code here.
        throw codedError(error as Error, context.log);
      }
      const socket = context.socket;
      if (socket && socket.subscriptions >= socket.maxSubscriptions) {
        throw codedError(new TooManyViewersError('live.too-many-subscriptions', `at most ${socket.maxSubscriptions} subscriptions per websocket`), context.log);
      }
      if (socket) socket.subscriptions++;
      context.hub.counters.connections.graphql++;
      const viewer = new IteratorViewer(pollId, (gone) => context.hub.leave(pollId, gone), () => {
        if (socket) socket.subscriptions--;
      });
      void context.hub.join(pollId, viewer, args.after ?? undefined);
      return viewer;
    },
    resolve: (frame: LiveFrame) => frame,
  },
};
