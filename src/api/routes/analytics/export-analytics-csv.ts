import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { assertMayReadAnalytics } from '../../read-rules.ts';
import { AnalyticsQuery } from './get-analytics.ts';

/**
 * The download's name, from the slug. A slug is checked when the poll is created, but this goes
 * into a header a browser acts on, so it is cut down to characters no client reads as a path,
 * a quote or a parameter, whatever the log holds.
 */
export const attachmentName = (slug: string, bucket: string): string => {
  const safe = slug.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'poll';
  return `analytics-${safe}-${bucket}.csv`;
};

/**
 * exportAnalyticsCsv: getAnalytics as a spreadsheet, with the same access rule (read-rules.ts)
 * and the same problem+json answers; the columns are documented in openapi-names.ts and the README.
 */
export const exportAnalyticsCsvRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/polls/:pollId/analytics.csv',
    {
      preHandler: app.auth.required,
      schema: {
        operationId: 'exportAnalyticsCsv',
        tags: ['analytics'],
        summary: "A poll's analytics as one CSV table, for spreadsheets, pandas and R",
        description: "The figures of getAnalytics, for the same callers (the poll's organizer, admins and analysts), as CSV "
          + '(RFC 4180, UTF-8 with a byte order mark, CRLF): one table `section,key,label,value,shown,rate` holding the '
          + 'summary, the time series, the devices, the countries and the per-question drop-off. Text cells that a '
          + "spreadsheet would run as a formula start with `'`.",
        security: bearer,
        params: PollIdParams,
        querystring: AnalyticsQuery,
        response: {
          200: { description: 'the CSV (see AnalyticsCsvRow)', content: { 'text/csv': { schema: Type.String() } } },
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { pollId } = request.params;
      const bucket = request.query.bucket ?? 'minute';
      const poll = await app.queries.poll(pollId);
      assertMayReadAnalytics(poll, request.user, pollId);
      const csv = await app.queries.analyticsCsv(poll.poll, bucket);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        // Figures only the organizer and analysts may see: no shared cache keeps them.
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${attachmentName(poll.poll.slug, bucket)}"`)
        .send(csv);
    },
  );
};
