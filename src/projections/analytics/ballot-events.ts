import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { BallotCast, FlagReviewed } from '../../domain/ballot/events.ts';
import { APPLY_DELTAS } from './apply-deltas.ts';

/**
 * `read.analytics_ballots` and the running sums from the ballot streams. Each function is one
 * statement: its own change to the ballot rows (as the `deltas` CTE), then APPLY_DELTAS.
 */

export type { CastAt } from '../runner/cast-runs.ts';
import { lastChangeOfEachBallot, type CastAt, type ChangeAt } from '../runner/cast-runs.ts';
import { jsonRows } from '../shared/json-rows.ts';
import { prepared } from '../../db/prepared.ts';

/** Questions a ballot answers: the domain allows skipping questions but not answering one twice. */
const answered = (answers: BallotCast['data']['answers']): { answered: number; answered_ids: string[] } => {
  const ids = [...new Set(answers.map((a) => a.questionId))];
  return { answered: ids.length, answered_ids: ids };
};

/**
 * A run of consecutive BallotCast events in one statement (ballots are the bulk of the log).
 *
 * Counting rule: events arrive in log order and a run holds no poll event, so a poll with no
 * `closed_position` yet means the ballot precedes the close; a later ballot is kept as
 * `after-close` (so a replay still finds it) and adds nothing. A ballot of a poll this projection
 * never saw created is skipped: there are no figures to add it to, and the log cannot hold one.
 *
 * Response time is the ballot's own `meta.responseSeconds` (from when the voter first saw the
 * poll, as the client reported it, bounded and coarsened by the decider: response-time.ts);
 * a ballot without one is untimed and stays out of the response-time figures.
 */
export async function ballotsCast(tx: DatabaseTransactionConnection, casts: readonly CastAt[]): Promise<void> {
  const rows = casts.map(({ data, position }) => ({
    ballot_id: data.ballotId,
    poll_id: data.pollId,
    // events written before meta was filled (or by tests) carry nulls: report them as unknown
    device: data.meta?.device ?? 'unknown',
    country: data.meta?.country ?? 'unknown',
    cast_at: data.castAt,
    ...answered(data.answers),
    // whole seconds from the client-supplied start; null (untimed) without one, as on older ballots
    response_ms: typeof data.meta?.responseSeconds === 'number' ? data.meta.responseSeconds * 1000 : null,
    // as a string: JSON numbers lose precision past 2^53
    position: String(position),
  }));
  await tx.query(prepared(sql.unsafe`
    WITH input AS (
      SELECT * FROM ${jsonRows(rows, sql.fragment`r(ballot_id text, poll_id text,
        device text, country text, cast_at timestamptz, answered int, answered_ids text[], response_ms bigint, position bigint)`)}),
    inserted AS (
      INSERT INTO analytics_ballots (ballot_id, poll_id, device, country, cast_at, answered, answered_ids, response_ms, status, position)
      SELECT r.ballot_id, r.poll_id, r.device, r.country, r.cast_at, least(r.answered, p.question_count),
             r.answered_ids, r.response_ms,
             CASE WHEN p.closed_position IS NULL THEN 'counted' ELSE 'after-close' END,
             r.position
      FROM input r JOIN analytics_polls p ON p.poll_id = r.poll_id
      ORDER BY r.position
      ON CONFLICT (ballot_id) DO NOTHING
      RETURNING *),
    deltas AS (
      SELECT poll_id, device, country, cast_at, 1 AS ballots, answered,
             (response_ms IS NOT NULL)::int AS timed, coalesce(response_ms, 0) AS response_ms
      FROM inserted WHERE status = 'counted'),
    ${APPLY_DELTAS}`));
}

/**
 * A run of BallotChanged in one statement, the last change of each ballot (see cast-runs.ts). A
 * change moves only the completion figures (device, country, castAt and response time describe
 * the cast and stay). After the close nothing moves: the figures were final at PollClosed, and the
 * row keeps the answers that were counted so a later rejection takes back exactly those.
 */
export async function ballotsChanged(tx: DatabaseTransactionConnection, changes: readonly ChangeAt[]): Promise<void> {
  const rows = lastChangeOfEachBallot(changes).map(({ data, position }) => ({
    ballot_id: data.ballotId,
    ...answered(data.answers),
    position: String(position),
  }));
  // `o`, the row as the statement found it, gives the answered count the change replaces.
  await tx.query(prepared(sql.unsafe`
    WITH changed AS (
      UPDATE analytics_ballots b
      SET answered = CASE WHEN p.closed_position IS NULL THEN least(r.answered, p.question_count) ELSE b.answered END,
          answered_ids = CASE WHEN p.closed_position IS NULL THEN r.answered_ids ELSE b.answered_ids END,
          position = r.position
      FROM ${jsonRows(rows, sql.fragment`r(ballot_id text, answered int, answered_ids text[], position bigint)`)}
           JOIN analytics_ballots o ON o.ballot_id = r.ballot_id,
           analytics_polls p
      WHERE b.ballot_id = r.ballot_id AND p.poll_id = b.poll_id AND b.position < r.position
      RETURNING b.poll_id, b.device, b.country, b.cast_at, b.status, b.answered, o.answered AS old_answered),
    deltas AS (
      SELECT poll_id, device, country, cast_at, 0 AS ballots, answered - old_answered AS answered,
             0 AS timed, 0::bigint AS response_ms
      FROM changed WHERE status = 'counted' AND answered <> old_answered),
    ${APPLY_DELTAS}`));
}

/**
 * `reject` takes the ballot out of every figure, whenever it comes (reviews usually follow the
 * close); `uphold` confirms the ballot and changes nothing. A ballot already out stays out.
 */
export async function flagReviewed(tx: DatabaseTransactionConnection, data: FlagReviewed['data'], position: bigint): Promise<void> {
  if (data.decision !== 'reject') return;
  await tx.query(sql.unsafe`
    WITH changed AS (
      UPDATE analytics_ballots b
      SET status = 'rejected', position = ${position}
      FROM (SELECT ballot_id, status AS old_status FROM analytics_ballots WHERE ballot_id = ${data.ballotId}) o
      WHERE b.ballot_id = o.ballot_id AND b.status <> 'rejected' AND b.position < ${position}
      RETURNING b.*, o.old_status),
    deltas AS (
      SELECT poll_id, device, country, cast_at, -1 AS ballots, -answered AS answered,
             -((response_ms IS NOT NULL)::int) AS timed, -coalesce(response_ms, 0) AS response_ms
      FROM changed WHERE old_status = 'counted'),
    ${APPLY_DELTAS}`);
}
