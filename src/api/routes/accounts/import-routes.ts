import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import Type from 'typebox';
import type { ImportFormat } from '../../../adapters/user-import/parse-rows.ts';
import { acceptedMediaTypes, problemError, unsupportedMediaType } from '../../plugins/problem-details.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { JobAccepted, JobParams, JobView } from './schemas.ts';

const FORMATS: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
};

const CSV_EXAMPLE = 'email,displayName,nationalId,password\nada@example.org,Ada Lovelace,,\nbob@example.org,Bob,19850312005,a long enough password\n';
const JSONL_EXAMPLE = '{"email":"ada@example.org","displayName":"Ada Lovelace"}\n{"email":"bob@example.org","displayName":"Bob","password":"a long enough password"}\n';

/**
 * importUsers, getJob and the one-time setup token download. The upload is not parsed here: the
 * content-type parsers hand the raw request stream on (after the admin check has run, since
 * parsing comes first but reads nothing), and the job spools it to disk and imports it row by row.
 */
export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Encapsulated in this plugin: other routes keep refusing these content types, and this one
  // refuses JSON (and anything else) with a 415 naming its own (problem-details.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.post(
    '/api/admin/users/import',
    {
      preHandler: app.auth.role('admin'),
      schema: {
        operationId: 'importUsers',
        tags: ['admin'],
        summary: 'Import accounts from CSV or JSON lines (admins only); runs in the background',
        description: 'Rows `{email, displayName, nationalId?, password?}`; CSV needs a header naming the columns. Each row '
          + 'is validated on its own: a bad row is reported with its line number and the rest go on; an email that has '
          + 'an account is skipped, so a file can be imported again safely. A row without a password gets a one-time '
          + 'setup token (GET /api/admin/jobs/{jobId}/setup-tokens, downloadable once). A nationalId is ignored: ids are '
          + 'linked only by their owner through verifyNationalId. 413 above the size limit, 415 for another content type.',
        security: bearer,
        body: {
          content: {
            'text/csv': { schema: Type.Unknown({ description: 'CSV with a header row', examples: [CSV_EXAMPLE] }) },
            'application/x-ndjson': { schema: Type.Unknown({ description: 'one JSON object per line', examples: [JSONL_EXAMPLE] }) },
            'application/jsonl': { schema: Type.Unknown({ description: 'the same as application/x-ndjson', examples: [JSONL_EXAMPLE] }) },
          },
        },
        response: { 202: JobAccepted, ...problems(401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = FORMATS[mediaType];
      // A request without a body is not parsed, so no parser refused a missing content type.
      if (format === undefined) throw problemError(unsupportedMediaType(acceptedMediaTypes(request)));
      // An empty body is never parsed: it imports nothing, as an empty stream.
      const upload = request.body instanceof Readable ? request.body : Readable.from([]);
      const jobId = await app.commands.importUsers(upload, format, request.user.userId);
      return reply.status(202).header('location', `/api/admin/jobs/${jobId}`).send({ jobId });
    },
  );

  app.get(
    '/api/admin/jobs/:jobId',
    {
      preHandler: app.auth.role('admin'),
      schema: {
        operationId: 'getJob',
        tags: ['admin'],
        summary: 'Progress and result of an import job (admins only)',
        security: bearer,
        params: JobParams,
        response: { 200: JobView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => app.queries.job(request.params.jobId),
  );

  app.get(
    '/api/admin/jobs/:jobId/setup-tokens',
    {
      preHandler: app.auth.role('admin'),
      schema: {
        operationId: 'getJobSetupTokens',
        tags: ['admin'],
        summary: 'The setup tokens of a finished import as CSV, served ONCE (admins only)',
        description: 'CSV `email,setupToken` for every account the job imported without a password. The tokens are '
          + 'deleted as they are served: hand each to its owner, who logs in with it as the password and sets a password '
          + 'with changePassword {setupToken, newPassword}. 409 while the job runs; 404 job.setup-tokens-served afterwards.',
        security: bearer,
        params: JobParams,
        response: {
          200: { description: 'email,setupToken', content: { 'text/csv': { schema: Type.String({ examples: ['email,setupToken\nada@example.org,q9Xr2c1kJ0m4bV7tY8wZ3A\n'] }) } } },
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const csv = await app.commands.takeSetupTokens(request.params.jobId);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="setup-tokens-${request.params.jobId}.csv"`)
        // A stream is sent as is; the typed response schema only documents its content.
        .send(csv as unknown as string);
    },
  );
};
