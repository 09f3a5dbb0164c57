import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { verifyPoll } from '../../../audit/verify-poll.ts';
import { publicKeyPem } from '../../../audit/signing.ts';
import { pollNotFound } from '../../../domain/poll/errors.ts';
import { assertPollVisible } from '../../poll-access.ts';
import { AUDIT_READERS, auditShowsIdentities } from '../../read-rules.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import type { RateLimitConfig } from '../../plugins/protection.ts';
import { bearer, problems } from '../../schemas/common.ts';
import { PollIdParams } from '../../schemas/poll.ts';
import { checkpointHash } from '../../../audit/checkpoint.ts';
import {
  AuditEventsPageView, AuditEventsQuery, FeedPageView, FeedQuery, InclusionProofView, ProofQuery, PublicKeyView, ReceiptParams, ReceiptView, VerifyReportView,
} from './schemas.ts';

/** bigint fields (positions, revisions) go out as JSON numbers, as everywhere in the API. */
type Plain<T> = T extends bigint ? number : T extends readonly unknown[] ? Plain<T[number]>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;
const plain = <T>(value: T): Plain<T> => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Plain<T>;

/**
 * The audit operations of API.md (src/audit does the work): listAuditEvents and verifyPoll for
 * auditors and admins, checkReceipt and the signing key for anyone, since a voter checks a
 * receipt and a third party pins the key without an account.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{ proofRateLimit: RateLimitConfig }> = async (app, { proofRateLimit }) => {
  const auditors = app.auth.role(...AUDIT_READERS);

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
      const showIdentities = auditShowsIdentities(state, request.user);
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
      return positionsAsNumbers(report);
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

  // The checkpoint feed (src/audit/checkpoint-feed.ts): read from the log, open to anyone, since a
  // witness runs on an auditor's machine; it shows poll ids and event counts, never an event.
  app.get(
    '/api/audit/checkpoints',
    {
      schema: {
        operationId: 'listCheckpoints',
        tags: ['audit'],
        summary: 'Every signed checkpoint and key hand-over after a log position, read from the log itself',
        querystring: FeedQuery,
        response: { 200: FeedPageView, ...problems(400) },
      },
    },
    async (request) => {
      const page = await app.queries.checkpointFeed(BigInt(request.query.after ?? 0), request.query.limit ?? 1000);
      const items = page.items.map((i) =>
        i.kind === 'checkpoint'
          ? { kind: i.kind, position: Number(i.position), hash: checkpointHash(i.checkpoint), checkpoint: { ...i.checkpoint } }
          : { kind: i.kind, position: Number(i.position), handover: { ...i.handover } },
      );
      return { items, next: Number(page.next), head: Number(page.head) };
    },
  );

  app.get(
    '/api/audit/checkpoints.jsonl',
    {
      schema: {
        operationId: 'checkpointFeed',
        tags: ['audit'],
        summary: 'The same as JSON lines, closed by an end line signed by the current key: what `pollster audit witness` follows',
        querystring: FeedQuery,
        produces: ['application/x-ndjson'],
        response: { 200: Type.String({ description: 'JSON lines: checkpoint and handover lines, then the signed end line' }), ...problems(400) },
      },
    },
    async (request, reply) => {
      const after = BigInt(request.query.after ?? 0);
      const page = await app.queries.checkpointFeed(after, request.query.limit ?? 1000);
      return reply.type('application/x-ndjson').serializer((payload: unknown) => String(payload)).send(app.queries.checkpointFeedText(page, after));
    },
  );

  app.get(
    '/api/receipts/:receipt/proof',
    {
      // Anyone may ask, and each proof reads the poll's log up to its checkpoint and hashes its tree.
      config: proofRateLimit,
      schema: {
        operationId: 'getReceiptProof',
        tags: ['audit'],
        summary: "A Merkle inclusion proof of the receipt's ballot under one signed checkpoint (by its hash); check it with `pollster audit receipt`",
        params: ReceiptParams,
        querystring: ProofQuery,
        response: { 200: InclusionProofView, ...problems(400, 404, 409, 422, 429) },
      },
    },
    async (request) => {
      const proof = await app.queries.inclusionProof(request.params.receipt, request.query.checkpoint);
      // The proof file keeps positions as decimal strings (src/audit/README.md); the API's JSON, numbers.
      return {
        ...proof,
        checkpoint: { ...proof.checkpoint },
        event: { ...proof.event, revision: Number(proof.event.revision), position: Number(proof.event.position) },
        leaf: { ...proof.leaf, revision: Number(proof.leaf.revision) },
      };
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

/**
 * Log positions and revisions are JSON numbers in every response (they stay below 2^53: README,
 * "API clients"); the audit code keeps them as decimal strings for its own text reports.
 */
function positionsAsNumbers(report: Omit<Awaited<ReturnType<typeof verifyPoll>>, 'results'>) {
  const checkpoint = report.checkpoint && {
    ...report.checkpoint,
    revision: Number(report.checkpoint.revision),
    position: Number(report.checkpoint.position),
    through: Number(report.checkpoint.through),
  };
  const problems = report.problems.map(({ revision, position, ...rest }) => ({
    ...rest,
    ...(revision === undefined ? {} : { revision: Number(revision) }),
    ...(position === undefined ? {} : { position: Number(position) }),
  }));
  return { ...report, checkpoint, problems };
}
