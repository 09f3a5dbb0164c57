import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PollDefinition } from '../../src/domain/poll/definition.ts';

/**
 * A big, domain-shaped log written straight into a throwaway database's `events` table by
 * INSERT ... SELECT generate_series: the rows are built by PostgreSQL itself, so a million
 * events take seconds instead of the minutes a million appends would. Positions are numbered the
 * store's own way, `(pg_current_xact_id() << 20) + ordinal` (migrations/001_events.sql), one
 * transaction per chunk of at most 2^19 events, so readers of `$all` see an ordinary log.
 *
 * Shape: `polls` polls (PollCreated, PollOpened), then ballots spread over them with varied
 * answers, devices and countries, a user event after every 50th ballot (another category, which
 * the projections' category filter skips), then a BallotChanged for every 50th ballot.
 */
export interface BulkLog {
  pollIds: string[];
  ballots: number;
  events: number;
}

const CHUNK = 250_000;

/** The data of a BallotCast for a `benchPoll` poll, as the command side writes it; `n` varies the choices. */
export function benchBallot(pollId: string, n: number) {
  const voterKey = `u.${randomUUID()}`;
  return {
    ballotId: randomUUID(), pollId, voterKey, accountId: voterKey.slice(2),
    answers: [
      { questionId: 'q-single', optionIds: [n % 3 === 0 ? 'o-pizza' : 'o-sushi'] },
      { questionId: 'q-multi', optionIds: ['o-mon'] },
      { questionId: 'q-ranked', ranking: ['o-c', 'o-a'] },
      { questionId: 'q-rating', rating: 1 + (n % 5) },
    ],
    meta: { ipPrefix: null, device: 'mobile', country: 'NL', userAgentHash: null },
    castAt: new Date().toISOString(),
  };
}

export function benchPoll(pollId: string): PollDefinition {
  return {
    pollId,
    slug: `bench-${pollId.slice(0, 8)}`,
    organizerId: 'bench-organizer',
    title: 'Bench poll',
    description: null,
    questions: [
      { questionId: 'q-single', text: 'Where?', kind: 'single', options: [{ optionId: 'o-pizza', text: 'Pizza' }, { optionId: 'o-sushi', text: 'Sushi' }] },
      { questionId: 'q-multi', text: 'Which days?', kind: 'multiple', maxChoices: 2, options: [
        { optionId: 'o-mon', text: 'Mon' }, { optionId: 'o-tue', text: 'Tue' }, { optionId: 'o-wed', text: 'Wed' }] },
      { questionId: 'q-ranked', text: 'Rank', kind: 'ranked', options: [{ optionId: 'o-a', text: 'A' }, { optionId: 'o-b', text: 'B' }, { optionId: 'o-c', text: 'C' }] },
      { questionId: 'q-rating', text: 'Rate', kind: 'rating', scale: { min: 1, max: 5 } },
    ],
    settings: {
      voterPolicy: 'account', anonymous: false, allowChangeVote: true, visibility: 'public', showResultsBeforeClose: true,
      startsAt: null, endsAt: null, fraudVelocityLimit: null, fraudVelocityWindowSeconds: null,
    },
    createdAt: '2030-01-01T09:00:00.000Z',
  };
}

const POSITION = `(pg_current_xact_id()::text::bigint << 20)`;

// Ballot number g of poll ($1::text[])[1 + g % cardinality]; answers vary with g.
const ANSWERS = `jsonb_build_array(
  jsonb_build_object('questionId', 'q-single', 'optionIds', jsonb_build_array(CASE WHEN g % 3 = 0 THEN 'o-pizza' ELSE 'o-sushi' END)),
  jsonb_build_object('questionId', 'q-multi', 'optionIds', jsonb_build_array('o-mon', CASE WHEN g % 2 = 0 THEN 'o-tue' ELSE 'o-wed' END)),
  jsonb_build_object('questionId', 'q-ranked', 'ranking', (ARRAY['["o-a","o-b","o-c"]', '["o-c","o-a"]', '["o-b"]']::jsonb[])[1 + g % 3]),
  jsonb_build_object('questionId', 'q-rating', 'rating', 1 + g % 5))`;
const POLL_OF = `($1::text[])[1 + g % cardinality($1::text[])]`;
const AT = (offsetMs: string) => `to_char((timestamptz '2030-01-01 10:00:00Z' + (${offsetMs}) * interval '1 ms') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const META = `jsonb_build_object('ipPrefix', null, 'device', (ARRAY['desktop', 'mobile', 'tablet'])[1 + g % 3],
  'country', (ARRAY['NL', 'DE', 'FR', 'US'])[1 + g % 4], 'userAgentHash', null)`;

const CASTS = `INSERT INTO events (position, id, stream, category, revision, type, data, metadata)
  SELECT ${POSITION} + 2 * (g - $2) + 1, gen_random_uuid(), 'ballot-' || ${POLL_OF} || '-u.' || g, 'ballot', 0, 'BallotCast',
    jsonb_build_object('ballotId', 'b-' || g, 'pollId', ${POLL_OF}, 'voterKey', 'u.' || g, 'accountId', 'acc-' || g,
      'answers', ${ANSWERS}, 'meta', ${META}, 'castAt', ${AT('g * 7')}), '{"actor":"bench"}'::jsonb
  FROM generate_series($2::int, $3::int - 1) g
  UNION ALL
  SELECT ${POSITION} + 2 * (g - $2) + 2, gen_random_uuid(), 'user-' || g, 'user', 0, 'UserRegistered',
    jsonb_build_object('userId', 'acc-' || g), '{"actor":"bench"}'::jsonb
  FROM generate_series($2::int, $3::int - 1) g WHERE g % 50 = 0`;

const CHANGES = `INSERT INTO events (position, id, stream, category, revision, type, data, metadata)
  SELECT ${POSITION} + (g - $2) / 50 + 1, gen_random_uuid(), 'ballot-' || ${POLL_OF} || '-u.' || g, 'ballot', 1, 'BallotChanged',
    jsonb_build_object('ballotId', 'b-' || g, 'pollId', ${POLL_OF}, 'voterKey', 'u.' || g, 'answers', ${ANSWERS.replaceAll('g %', '(g + 1) %')},
      'meta', ${META}, 'previousAnswers', ${ANSWERS}, 'changedAt', ${AT('g * 7 + 60000')}), '{"actor":"bench"}'::jsonb
  FROM generate_series($2::int, $3::int - 1) g WHERE g % 50 = 7`;

/** About `events` events in all (ballots are ~96% of them). */
export async function writeBulkLog(databaseUrl: string, events: number, polls = 100): Promise<BulkLog> {
  const pollIds = Array.from({ length: polls }, () => randomUUID());
  const ballots = Math.max(0, Math.floor((events - 2 * polls) / 1.04));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const [i, pollId] of pollIds.entries()) {
      const definition = benchPoll(pollId);
      await client.query(
        `INSERT INTO events (position, id, stream, category, revision, type, data, metadata) VALUES
          (${POSITION} + $1, $2, $3, 'poll', 0, 'PollCreated', $4, '{}'), (${POSITION} + $1 + 1, $5, $3, 'poll', 1, 'PollOpened', $6, '{}')`,
        [2 * i + 1, randomUUID(), `poll-${pollId}`, definition, randomUUID(), { pollId, openedBy: 'bench-organizer', openedAt: '2030-01-01T10:00:00.000Z' }],
      );
    }
    await client.query('COMMIT');
    for (let lo = 0; lo < ballots; lo += CHUNK) await client.query(CASTS, [pollIds, lo, Math.min(ballots, lo + CHUNK)]);
    for (let lo = 0; lo < ballots; lo += CHUNK) await client.query(CHANGES, [pollIds, lo, Math.min(ballots, lo + CHUNK)]);
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    await client.query('ANALYZE events');
    return { pollIds, ballots, events: Number(rows[0]!.n) };
  } finally {
    await client.end();
  }
}
