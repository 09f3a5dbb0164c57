import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, problems, Uuid } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { assertMayReadAnalytics } from '../../read-rules.ts';

/** `?bucket=minute|hour`: anything else is 400 request.invalid, field `querystring.bucket`. */
export const AnalyticsQuery = Type.Object(
  { bucket: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour')], { default: 'minute' })) },
  { additionalProperties: false },
);

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
      description: 'mean response time: from when the voter first saw the poll (castBallot `startedAt`, kept in whole seconds) to the ballot, '
        + 'over the counted ballots that sent one (`timedBallots`); null when none did',
    }),
    medianResponseSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'median response time of the timed ballots; null when none' }),
    p90ResponseSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: '90th percentile of the response time (continuous, interpolated) of the timed ballots; null when none',
    }),
    timedBallots: Type.Integer({ minimum: 0, description: 'counted ballots with a response time (their client sent a plausible `startedAt`)' }),
    questions: Type.Array(
      Type.Object({
        questionId: Uuid,
        shown: Type.Integer({ minimum: 0, description: 'counted ballots whose voter was shown the question (every question is on the ballot form)' }),
        answered: Type.Integer({ minimum: 0, description: 'counted ballots answering it' }),
        answerRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'answered / shown; 1 - answerRate is the drop-off; null without ballots' }),
      }),
      { description: "per-question drop-off, in the poll's question order" },
    ),
    timeSeries: Type.Array(
      Type.Object({ bucket: Type.String({ format: 'date-time', description: 'start of the minute or hour, UTC' }), ballots: Type.Integer({ minimum: 1 }) }),
      { description: 'counted ballots per bucket, oldest first; buckets without ballots are omitted' },
    ),
    devices: Counts('counted ballots per device class: desktop, mobile, tablet, bot, unknown'),
    countries: Counts('counted ballots per ISO 3166-1 alpha-2 country code, `private` or `unknown`'),
    countryData: Type.Object(
      {
        source: Type.String({ description: 'the IP-to-country database: the npm package it ships with, or the MMDB type of the file GEOIP_COUNTRY_DB names' }),
        builtAt: Type.String({ format: 'date-time', description: "the database's build time: countries are as the registries had them then" }),
      },
      { description: 'where `countries` comes from; each ballot is labelled with the database this API node had when it was cast' },
    ),
  },
  { $id: 'PollAnalytics' },
);

/**
 * getAnalytics: engagement figures from the analytics read model, for the callers
 * read-rules.ts lets in (401 without a token, then 404, then 403). The poll comes from the
 * poll cache (always current), the figures from the read model (eventually consistent; a poll it
 * has not seen yet shows nothing counted).
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
        querystring: AnalyticsQuery,
        response: { 200: AnalyticsView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { pollId } = request.params;
      const bucket = request.query.bucket ?? 'minute';
      assertMayReadAnalytics(await app.queries.poll(pollId), request.user, pollId);
      const view = await app.queries.analytics(pollId, bucket);
      return { ...view, granularity: bucket, countryData: app.queries.countryData() };
    },
  );
};
