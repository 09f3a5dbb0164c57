import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventStore } from '../../../event-store/port.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { PollResults } from '../../../domain/results/results.ts';
import { NotFoundError, ValidationError } from '../../../domain/shared/errors.ts';
import { currentResults, resultsAt } from '../../../projections/queries.ts';
import type { Services } from '../../../runtime/services.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { PollResultsView, ResultsQuery } from '../../schemas/results.ts';
import { maySeeRawTally, rawTallyFor, rawView } from './raw-tally.ts';
import { assertMayReachPoll } from '../../poll-access.ts';
import { assertMaySeeResults } from './results-visibility.ts';
import { asJson, asOfTime } from './results-as-of-time.ts';

/**
 * getResults. Who may see what is decided on the poll as it is now (the poll cache, current with
 * this process's own commands): a draft follows the one draft rule (poll-access.ts: 404 to all
 * but its organizer and admins), and a poll with `showResultsBeforeClose: false` shows results only once closed, except to its
 * organizer, admins, auditors and analysts (403 `results.hidden`), also for `?at=`.
 */
export const getResultsRoute: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/api/polls/:pollId/results',
    {
      preHandler: app.auth.optional,
      schema: {
        operationId: 'getResults',
        tags: ['results'],
        summary: 'Results of a poll: counted ballots per option, instant-runoff rounds, rating averages',
        description: 'From the results read model; with `?at=<position>`, replayed from the log up to that position.',
        security: [...bearer, {}],
        params: PollIdParams,
        querystring: ResultsQuery,
        response: { 200: PollResultsView, ...problems(400, 401, 403, 404, 422, 503) },
      },
    },
    async (request) => {
      const pollId = request.params.pollId.toLowerCase();
      const state = await services.commands.polls.get(pollId);
      if (state.status === 'none') throw pollNotFound(pollId);
      assertMaySeeResults(state, request.anonymous ? undefined : request.user);
      await assertMayReachPoll(services.verifiedEmails, state, request.anonymous ? undefined : request.user);
      const { at, asOf: time } = request.query;
      if (time !== undefined) return asJson(await asOfTime(services.store, pollId, time, at));
      const results = at === undefined ? await current(services, pollId) : await asOf(services.store, pollId, BigInt(at));
      // Organizers, admins, auditors and reviewers also see the raw tally (issue 6): review's effect in plain sight.
      const user = request.anonymous ? undefined : request.user;
      const raw = maySeeRawTally(state, user) ? await rawTallyFor(services, pollId, at === undefined ? undefined : BigInt(at)) : undefined;
      return { ...results, ...(raw ? { raw: rawView(raw) } : {}), position: Number(results.position) };
    },
  );
};

async function current(services: Services, pollId: string): Promise<PollResults> {
  const results = await currentResults(services, pollId);
  if (!results) throw pollNotFound(pollId);
  return results;
}

/** How long `?at=` waits for the log to become readable through a position just handed out. */
const AHEAD_GRACE_MS = 1_000;

async function asOf(store: EventStore, pollId: string, at: bigint): Promise<PollResults> {
  // Only a position the log is complete through has fixed results: a later commit could still
  // land below one beyond the head. A position an append just returned gets there within moments.
  const deadline = Date.now() + AHEAD_GRACE_MS;
  while ((await store.headPosition()) < at) {
    if (Date.now() > deadline) {
      throw new ValidationError('results.position-ahead', `the log has not reached position ${at} yet`, { field: 'at' });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const results = await resultsAt(store, pollId, at);
  if (!results) throw new NotFoundError('poll.not-found', `poll ${pollId} did not exist at position ${at}`);
  return results;
}
