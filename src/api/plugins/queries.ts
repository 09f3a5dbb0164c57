import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { getJob } from '../../adapters/user-import/import-jobs.ts';
import { listAuditEvents } from '../../audit/audit-events.ts';
import { checkReceipt } from '../../audit/check-receipt.ts';
import { feedText, readCheckpointFeed, type FeedPage } from '../../audit/checkpoint-feed.ts';
import { proveInclusion } from '../../audit/inclusion-proof.ts';
import { verifyPoll } from '../../audit/verify-poll.ts';
import { getMyBallot } from '../../commands/ballots/get-my-ballot.ts';
import { findPollByJoinCode } from '../../commands/polls/join-codes.ts';
import { accountCreatedAt } from '../../commands/users/account-created-at.ts';
import { getMe } from '../../commands/users/get-me.ts';
import { tokenAccount } from '../../commands/users/token-account.ts';
import { oldestOpenWrite } from '../../db/open-writes.ts';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { PostgresEventStore } from '../../event-store/postgres/postgres-event-store.ts';
import {
  currentResults,
  emptyAnalytics,
  findBallot,
  findFlag,
  getAnalytics,
  getAnalyticsCsv,
  listFlags,
  listPolls,
  rawTallyAt,
  resultsAsOf,
  resultsAt,
  type AnalyticsBucket,
} from '../../projections/queries.ts';
import type { ApiServices } from '../api-services.ts';
import { findPoll } from '../find-poll.ts';
import { given } from './given.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The reads routes may make: read models, the poll cache, the few log reads of the command side. */
    queries: Queries;
  }
}

export type Queries = ReturnType<typeof queriesOf>;

function queriesOf(services: ApiServices) {
  const { sql, store } = services;
  const deps = services.commands;
  const { publicKey, keyId } = services.secrets.auditKey;
  return {
    /** The poll as it is now: the poll cache, current with this process's own commands. */
    poll: (pollId: string) => deps.polls.get(pollId),
    findPoll: (idOrSlug: string) => findPoll(services, idOrSlug),
    /** The active poll holding a join code (its reservation in the log). */
    findPollByJoinCode: given(deps, findPollByJoinCode),
    listPolls: given(sql, listPolls),
    findBallot: given(sql, findBallot),
    findFlag: given(sql, findFlag),
    listFlags: given(sql, listFlags),
    /** A poll's engagement figures; all zero for a poll the read model has not seen yet. */
    analytics: async (pollId: string, bucket: AnalyticsBucket) => (await getAnalytics(sql, pollId, bucket)) ?? emptyAnalytics(pollId),
    /** The same figures as one CSV table for spreadsheets (projections/analytics/analytics-csv.ts). */
    analyticsCsv: (poll: PollDefinition, bucket: AnalyticsBucket) => getAnalyticsCsv(sql, poll, bucket, services.countries.info),
    /** Which IP database the countries come from, and its build date. */
    countryData: () => services.countries.info,
    results: (pollId: string) => currentResults(services, pollId),
    resultsAt: given(store, resultsAt),
    resultsAsOf: given(store, resultsAsOf),
    rawTally: given(services, rawTallyAt),
    /** How far the log is readable: `?at=` positions beyond it have no fixed results yet. */
    headPosition: () => store.headPosition(),
    /** Read-your-writes: resolves once the read models have applied the log through `position`. */
    readModelsAt: (position: bigint) => services.readModelsAt(position),
    myBallot: given(deps, getMyBallot),
    me: given(services, getMe),
    tokenAccount: given(services, tokenAccount),
    verifiedEmail: (userId: string) => services.verifiedEmails.of(userId),
    accountCreatedAt: given(deps, accountCreatedAt),
    job: given(sql, getJob),
    auditEvents: given(store, listAuditEvents),
    verifyPoll: (pollId: string) => verifyPoll({ store, sql, key: services.secrets.auditKey }, pollId),
    checkReceipt: given(store, checkReceipt),
    auditPublicKey: () => ({ publicKey, keyId }),
    /** Chained checkpoints and key hand-overs, read from the log itself (not a read model). */
    checkpointFeed: given(store, readCheckpointFeed),
    /** The feed as signed JSON lines, closed by a line the current key signs. */
    checkpointFeedText: (page: FeedPage, after: bigint) => feedText(page, after, services.secrets.auditKey),
    inclusionProof: given(store, proveInclusion),
    projectionStatus: async () => (await services.projections?.status()) ?? [],
    /** How long the oldest open write has held the log's horizon back (postgres store only). */
    logHorizonAge:
      store instanceof PostgresEventStore ? async () => (await oldestOpenWrite(sql))?.seconds ?? 0 : undefined,
  };
}

/** `app.queries`, for routes and for the plugins that read (auth's account lookup, the live edge). */
export default fp<{ services: ApiServices }>(
  async (app: FastifyInstance, { services }) => {
    app.decorate('queries', queriesOf(services));
  },
  { name: 'queries' },
);
