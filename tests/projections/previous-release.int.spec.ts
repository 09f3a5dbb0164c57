import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBallot } from '../../src/projections/index.ts';
import { answers, emptyMeta } from '../../src/testing/ballot-fixtures.ts';
import { openHarness, type Harness } from './harness.ts';

/**
 * During a rolling deploy, workers of the previous release keep projecting until they are
 * replaced, against tables the new release's migrations already changed. Their statements, as
 * that release wrote them, must still work: a failing statement would park ballots.
 */
let h: Harness;
let client: pg.Client;
beforeAll(async () => {
  h = await openHarness();
  client = new pg.Client({ connectionString: h.db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await h?.close();
});

describe('a worker of an earlier release, after the migrations of this one', () => {
  it('of the release before 024 writes jsonb answers and meta into read.ballots, whose columns are json since 024, and findBallot reads them back', async () => {
    const [pollId, ballotId] = [randomUUID(), randomUUID()];
    const row = { ballot_id: ballotId, poll_id: pollId, voter_key: 'u.1', account_id: null, answers: answers(), meta: { ...emptyMeta, device: 'mobile' }, cast_at: '2030-01-01T10:00:00.000Z', position: '5' };
    await client.query(`
      WITH inserted AS (
        INSERT INTO read.ballots (ballot_id, poll_id, voter_key, account_id, answers, meta, cast_at, cast_position, position)
        SELECT r.ballot_id, r.poll_id, r.voter_key, r.account_id, r.answers, r.meta, r.cast_at, r.position, r.position
        FROM json_to_recordset($1::json) AS r(ballot_id text, poll_id text, voter_key text, account_id text,
             answers jsonb, meta jsonb, cast_at timestamptz, position bigint)
        ON CONFLICT (ballot_id) DO NOTHING RETURNING poll_id)
      SELECT count(*) FROM inserted`, [JSON.stringify([row])]);
    const changed = [{ questionId: 'q-rating', rating: 2 }];
    await client.query(`UPDATE read.ballots SET answers = $1::jsonb, changed_at = $2::timestamptz, position = $3 WHERE ballot_id = $4 AND position < $3`,
      [JSON.stringify(changed), '2030-01-01T11:00:00.000Z', '6', ballotId]);
    expect(await findBallot(h.sql, pollId, ballotId)).toMatchObject({ answers: changed, meta: { device: 'mobile' }, changedAt: '2030-01-01T11:00:00.000Z', position: 6n });
  });

  it('of the release before 028 inserts into read.analytics_ballots without a voter key, and no voter key is left there', async () => {
    const pollId = randomUUID();
    await client.query(`INSERT INTO read.analytics_polls (poll_id, question_count, last_position) VALUES ($1, 4, 0)`, [pollId]);
    const theirs = randomUUID();
    // That release's statement names no voter_key (026 stopped writing it).
    await client.query(`
      INSERT INTO read.analytics_ballots (ballot_id, poll_id, device, country, cast_at, answered, answered_ids, response_ms, status, position)
      VALUES ($1, $2, 'mobile', 'NL', now(), 4, '{q-single}', NULL, 'counted', 8)`, [theirs, pollId]);
    const { rows } = await client.query<{ ballot_id: string }>('SELECT ballot_id FROM read.analytics_ballots WHERE poll_id = $1', [pollId]);
    expect(rows).toEqual([{ ballot_id: theirs }]);
    // The release before 026 wrote keys: after 028 there is no column to write them into, or to read them from.
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'read' AND table_name = 'analytics_ballots' AND column_name LIKE '%voter%'`);
    expect(columns.rows).toEqual([]);
    // No voter index (026); the poll's index (027) has no voter key in it.
    const indexes = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'read' AND tablename = 'analytics_ballots' ORDER BY indexname`);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['analytics_ballots_pkey', 'analytics_ballots_poll']);
  });
});
