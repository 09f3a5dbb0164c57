import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { ForbiddenError } from '../../../domain/shared/errors.ts';
import { assertPollVisible } from '../../poll-access.ts';
import { bearer, problems, Uuid } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';

const Counts = (description: string) => Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description });

const AnalyticsView = Type.Object(
  {
    pollId: Uuid,
    granularity: Type.Union([Type.Literal('minute'), Type.Literal('hour')], { description: 'the bucket width of timeSeries' }),
    totalBallots: Type.Integer({ minimum: 0, description: 'ballots cast before the close, minus those a reviewer rejected' }),
    uniqueVoters: Type.Integer({ minimum: 0, description: 'distinct voters among the counted ballots' }),
    completionRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      description: 'answered questions / questions of the poll, averaged over counted ballots; null without ballots',
    }),
    avgResponseSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: 'mean time from the poll opening (or startsAt, if later) to the ballot; null without ballots',
    }),
    timeSeries: Type.Array(
      Type.Object({ bucket: Type.String({ format: 'date-time', description: 'start of the minute or hour, UTC' }), ballots: Type.Integer({ minimum: 1 }) }),
      { description: 'counted ballots per bucket, oldest first; buckets without ballots are omitted' },
    ),
    devices: Counts('counted ballots per device class: desktop, mobile, tablet, bot, unknown'),
    countries: Counts('counted ballots per ISO 3166-1 alpha-2 country code, `private` or `unknown`'),
  },
  { $id: 'PollAnalytics' },
);

/** Roles that may read any poll's analytics; the poll's own organizer may always read its own. */
const ANALYTICS_ROLES = ['admin', 'analyst'] as const;

/**
 * getAnalytics: engagement figures from the analytics read model. Who may see them depends on the
 * poll (its organizer), so the check runs after the poll is found: 401 without a token, 404 for
 * no poll or a draft the caller may not see (the one draft rule, poll-access.ts), then 403. The
 * poll comes from the poll cache (always current), the figures from the read model (eventually
 * consistent; a poll it has not seen yet shows nothing counted).
 */
export const getAnalyticsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/polls/:pollId/analytics',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'getAnalytics',
        tags: ['analytics'],
        summary: "A poll's engagement: ballots, voters, completion, response time, devices, countries, ballots over time",
        description: "The poll's organizer, admins and analysts. Counts follow the results: ballots after the close and rejected ballots are left out.",
        security: bearer,
        params: PollIdParams,
        querystring: Type.Object(
          { bucket: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour')], { default: 'minute' })) },
          { additionalProperties: false },
        ),
        response: { 200: AnalyticsView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { pollId } = request.params;
      const bucket = request.query.bucket ?? 'minute';
      const poll = await app.queries.poll(pollId);
      if (poll.status === 'none') throw pollNotFound(pollId);
      assertPollVisible(poll, request.user);
      const { userId, roles } = request.user;
      if (poll.poll.organizerId !== userId && !ANALYTICS_ROLES.some((role) => roles.includes(role))) {
        throw new ForbiddenError('analytics.forbidden', `only the organizer of poll ${pollId}, admins and analysts may see its analytics`);
      }
      const view = await app.queries.analytics(pollId, bucket);
      return { ...view, granularity: bucket };
    },
  );
};
