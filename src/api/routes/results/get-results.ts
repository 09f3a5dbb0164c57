import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import type { PollResults } from '../../../domain/results/results.ts';
import { NotFoundError, ValidationError } from '../../../domain/shared/errors.ts';
import type { Queries } from '../../plugins/queries.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { PollResultsView, ResultsQuery } from '../../schemas/results.ts';
import { rawView } from './raw-tally.ts';
import { assertMayReadResults, maySeeRawTally } from '../../read-rules.ts';
import { asJson, asOfTime } from './results-as-of-time.ts';

/**
 * getResults. Who may see what is decided on the poll as it is now (the poll cache, current with
 * this process's own commands): a draft follows the one draft rule (poll-access.ts: 404 to all
 * but its organizer and admins), and a poll with `showResultsBeforeClose: false` shows results only once closed, except to its
 * organizer, admins, auditors and analysts (403 `results.hidden`), also for `?at=`.
 */
export const getResultsRoute: FastifyPluginAsyncTypebox = async (app) => {
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
      const state = await app.queries.poll(pollId);
      if (state.status === 'none') throw pollNotFound(pollId);
      await assertMayReadResults(app.queries.verifiedEmail, state, request.anonymous ? undefined : request.user);
      const { at, asOf: time } = request.query;
      if (time !== undefined) return asJson(await asOfTime(app.queries, pollId, time, at));
      const results = at === undefined ? await current(app.queries, pollId) : await asOf(app.queries, pollId, BigInt(at));
      // Organizers, admins, auditors and reviewers also see the raw tally (issue 6): review's effect in plain sight.
      const user = request.anonymous ? undefined : request.user;
      const raw = maySeeRawTally(state, user) ? await app.queries.rawTally(pollId, at === undefined ? undefined : BigInt(at)) : undefined;
      return { ...results, ...(raw ? { raw: rawView(raw) } : {}), position: Number(results.position) };
    },
  );
};

async function current(queries: Queries, pollId: string): Promise<PollResults> {
  const results = await queries.results(pollId);
  if (!results) throw pollNotFound(pollId);
  return results;
}

/**
 * How long `?at=` waits for the log to become readable through a position just handed out: a
 * ballot is answered at its commit (a fenced append), and a transaction anywhere in the cluster
 * that began before it holds the readable end back until it ends (the close gate used to absorb
 * that wait before the answer; 1 s was too short with other work on the same PostgreSQL).
 */
const AHEAD_GRACE_MS = 3_000;

async function asOf(queries: Queries, pollId: string, at: bigint): Promise<PollResults> {
  // Only a position the log is complete through has fixed results: a later commit could still
  // land below one beyond the head. A position an append just returned gets there within moments.
  const deadline = Date.now() + AHEAD_GRACE_MS;
  while ((await queries.headPosition()) < at) {
    if (Date.now() > deadline) {
      throw new ValidationError('results.position-ahead', `the log has not reached position ${at} yet`, { field: 'at' });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const results = await queries.resultsAt(pollId, at);
  if (!results) throw new NotFoundError('poll.not-found', `poll ${pollId} did not exist at position ${at}`);
  return results;
}
