import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { publicKeyPem } from '../../../audit/signing.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { assertPollVisible } from '../../poll-access.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { AuditEventsPageView, AuditEventsQuery, PublicKeyView, ReceiptParams, ReceiptView, VerifyReportView } from './schemas.ts';

/** bigint fields (positions, revisions) go out as JSON numbers, as everywhere in the API. */
type Plain<T> = T extends bigint ? number : T extends readonly unknown[] ? Plain<T[number]>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;
const plain = <T>(value: T): Plain<T> => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Plain<T>;

/**
 * The audit operations of API.md (src/audit does the work): listAuditEvents and verifyPoll for
 * auditors and admins, checkReceipt and the signing key for anyone, since a voter checks a
 * receipt and a third party pins the key without an account.
 */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auditors = app.auth.role('auditor', 'admin');

  /** The poll as this caller may audit it: drafts follow the one draft rule (poll-access.ts). */
  async function existing(pollId: string, user: AuthUser) {
    const state = await app.queries.poll(pollId);
    if (state.status === 'none') throw pollNotFound(pollId);
    assertPollVisible(state, user);
    return state;
  }

  app.get(
    '/api/polls/:pollId/audit/events',
    {
      preHandler: auditors,
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'Every event of the poll, its ballots and its checkpoints, in log order, with their chain hashes',
        description: 'Auditors and admins. Voter identities only for auditors, and never on an anonymous poll.',
        security: bearer,
        params: PollIdParams,
        querystring: AuditEventsQuery,
        response: { 200: AuditEventsPageView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const pollId = request.params.pollId.toLowerCase();
      const state = await existing(pollId, request.user);
      const showIdentities = !state.poll.settings.anonymous && request.user.roles.includes('auditor');
      const page = await app.queries.auditEvents(pollId, {
        after: BigInt(request.query.after ?? 0),
        limit: request.query.limit ?? 100,
        showIdentities,
      });
      return plain(page);
    },
  );

  app.get(
    '/api/polls/:pollId/audit/verify',
    {
      preHandler: auditors,
      schema: {
        operationId: 'verifyPoll',
        tags: ['audit'],
        summary: 'Recompute the integrity chains, check the signed checkpoint, re-tally the results from the log and compare',
        security: bearer,
        params: PollIdParams,
        response: { 200: VerifyReportView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const pollId = request.params.pollId.toLowerCase();
      await existing(pollId, request.user);
      const { results: _replayed, ...report } = await app.queries.verifyPoll(pollId);
      return report;
    },
  );

  app.get(
    '/api/receipts/:receipt',
    {
      schema: {
        operationId: 'checkReceipt',
        tags: ['audit'],
        summary: 'Whether the ballot of a receipt is in the log, what became of it, and the signed checkpoint it is under',
        params: ReceiptParams,
        response: { 200: ReceiptView, ...problems(400, 422) },
      },
    },
    async (request) => {
      const checked = await app.queries.checkReceipt(request.params.receipt);
      if (!checked.included) return { included: false };
      const { receipt: _receipt, eventPosition: _at, ...view } = checked;
      return plain(view);
    },
  );

  app.get(
    '/api/audit/public-key',
    {
      schema: {
        operationId: 'getAuditPublicKey',
        tags: ['audit'],
        summary: 'The Ed25519 key that signs audit checkpoints and exports; pin it when verifying an export',
        response: { 200: PublicKeyView },
      },
    },
    async () => {
      const { publicKey, keyId } = app.queries.auditPublicKey();
      return { algorithm: 'Ed25519' as const, publicKey, keyId, pem: publicKeyPem(publicKey) };
    },
  );
};
