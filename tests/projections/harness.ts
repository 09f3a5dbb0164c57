import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import type { AppendResult } from '../../src/event-store/port.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import type { BallotChanged, BallotFlagged, FlagReviewed } from '../../src/domain/ballot/events.ts';
import type { PollSettings } from '../../src/domain/poll/definition.ts';
import type { Answer } from '../../src/domain/ballot/answers.ts';
import { ballotStream, pollStream, userStream } from '../../src/domain/shared/streams.ts';
import { answers, ballotCast, emptyMeta } from '../../src/testing/ballot-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { pollDefinition } from '../../src/testing/poll-fixtures.ts';

/**
 * One fresh database per test file with the real postgres event store and the slonik pool, plus
 * writers of domain-shaped events with random ids (the fixtures' ids are fixed for unit specs).
 */
export interface Harness {
  db: TestDatabase;
  store: PostgresEventStore;
  sql: DatabasePool;
  close(): Promise<void>;
}

export const silentLogger = pino({ level: 'silent' });

/** Fast retries so poison tests do not sleep for seconds. */
export const fastRunner = { retry: { attempts: 2, baseDelayMs: 5 }, restartDelayMs: { min: 10, max: 50 } };

export async function openHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  const store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 20 });
  const pool = await createSqlPool(db.url);
  return {
    db,
    store,
    sql: pool,
    async close() {
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}

const one = (type: string, data: unknown) => [{ id: randomUUID(), type, data }];

export function createPoll(
  store: PostgresEventStore,
  options: { pollId?: string; organizerId?: string; title?: string; settings?: Partial<PollSettings> } = {},
): Promise<AppendResult & { pollId: string; slug: string }> {
  const pollId = options.pollId ?? randomUUID();
  const slug = `poll-${pollId.slice(0, 8)}`;
  const definition = {
    ...pollDefinition(options.settings),
    pollId,
    slug,
    organizerId: options.organizerId ?? 'organizer-1',
    title: options.title ?? 'Lunch',
  };
  return store.append(pollStream(pollId), one('PollCreated', definition), 'any').then((r) => ({ ...r, pollId, slug }));
}

export const openPoll = (store: PostgresEventStore, pollId: string, openedAt = '2030-01-01T10:00:00.000Z') =>
  store.append(pollStream(pollId), one('PollOpened', { pollId, openedBy: 'organizer-1', openedAt }), 'any');

export const closePoll = (store: PostgresEventStore, pollId: string, closedAt = '2030-01-02T10:00:00.000Z') =>
  store.append(pollStream(pollId), one('PollClosed', { pollId, closedBy: 'system', closedAt }), 'any');

export async function castBallot(
  store: PostgresEventStore,
  pollId: string,
  voterKey = `u.${randomUUID()}`,
): Promise<AppendResult & { ballotId: string; voterKey: string }> {
  const ballotId = randomUUID();
  const event = ballotCast({ ballotId, pollId, voterKey, accountId: voterKey.slice(2) });
  const result = await store.append(ballotStream(pollId, voterKey), one('BallotCast', event.data), 'no_stream');
  return { ...result, ballotId, voterKey };
}

export function changeBallot(
  store: PostgresEventStore,
  pollId: string,
  ballotId: string,
  voterKey: string,
  { to = [{ questionId: 'q-single', optionIds: ['o-sushi'] }], from = answers(), changedAt = '2030-01-01T13:00:00.000Z' }: { to?: Answer[]; from?: Answer[]; changedAt?: string } = {},
) {
  const data: BallotChanged['data'] = { ballotId, pollId, voterKey, answers: to, meta: emptyMeta, previousAnswers: from, changedAt };
  return store.append(ballotStream(pollId, voterKey), one('BallotChanged', data), 'stream_exists');
}

export async function flagBallot(store: PostgresEventStore, pollId: string, ballotId: string, voterKey: string) {
  const flagId = randomUUID();
  const data: BallotFlagged['data'] = {
    flagId, ballotId, pollId, reasons: ['velocity'], flaggedBy: 'system', details: { ipPrefix: '10.0.0.0/24' },
    flaggedAt: '2030-01-01T14:00:00.000Z',
  };
  return { ...(await store.append(ballotStream(pollId, voterKey), one('BallotFlagged', data), 'stream_exists')), flagId };
}

export function reviewFlag(store: PostgresEventStore, pollId: string, ballotId: string, voterKey: string, flagId: string) {
  const data: FlagReviewed['data'] = {
    flagId, ballotId, pollId, decision: 'reject', note: 'same /24 as 300 others', reviewerId: 'reviewer-1',
    reviewedAt: '2030-01-01T15:00:00.000Z',
  };
  return store.append(ballotStream(pollId, voterKey), one('FlagReviewed', data), 'stream_exists');
}

/** An event of a category polls-catalog does not read. */
export const registerUser = (store: PostgresEventStore) =>
  store.append(userStream(randomUUID()), one('UserRegistered', { email: 'a@example.org' }), 'any');

export async function checkpointOf(pool: DatabasePool, name: string): Promise<bigint | null> {
  const row = await pool.maybeOne(sql.type(z.object({ position: z.bigint() }))`
    SELECT position FROM projection_checkpoints WHERE name = ${name}`);
  return row?.position ?? null;
}

/** Every row of the catalog tables as JSON text, for comparing a replay with the original. */
export async function dumpCatalog(pool: DatabasePool): Promise<string[]> {
  const dump = sql.type(z.object({ row: z.string() }));
  const tables = [
    await pool.any(dump`SELECT to_jsonb(p)::text AS row FROM read.polls p ORDER BY poll_id`),
    await pool.any(dump`SELECT to_jsonb(b)::text AS row FROM read.ballots b ORDER BY ballot_id`),
    await pool.any(dump`SELECT to_jsonb(f)::text AS row FROM read.flags f ORDER BY flag_id`),
  ];
  return tables.flat().map((r) => r.row);
}

/**
 * The position of the last event appended, committed or not visible to `$all` yet. Tests wait for
 * this rather than `store.headPosition()`: the head stops below the oldest transaction still
 * running anywhere on the server, and test files running in parallel keep such transactions open.
 */
export const lastAppended = (pool: DatabasePool): Promise<bigint> =>
  pool.oneFirst(sql.type(z.object({ position: z.bigint() }))`SELECT coalesce(max(position), 0)::bigint AS position FROM events`);
