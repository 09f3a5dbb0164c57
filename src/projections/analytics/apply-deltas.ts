import { sql } from 'slonik';

/**
 * The second half of every ballot statement of the analytics projection. Each handler starts a
 * statement with a CTE named `deltas` whose rows say what one ballot adds to (or takes from) its
 * poll's figures, with the columns
 *
 *   poll_id, device, country, cast_at,
 *   ballots (+1 cast, -1 rejected, 0 changed), answered, timed (0/±1), response_ms
 *
 * and appends this fragment, which folds them into the running sums in the same statement: one
 * round trip for a whole run of ballots, and the deltas never leave the database.
 *
 * Deltas come only from rows the handler really inserted or moved (ON CONFLICT DO NOTHING, guards
 * by position and status), so a replayed event yields no delta and changes nothing.
 *
 * Distinct voters move with the counted ballots, one for one: the store holds one ballot stream
 * per voter per poll (`ballot-<pollId>-<voterKey>`) and the decider one BallotCast per stream, so
 * every counted ballot of a poll is a different voter, and a voter leaves the figure exactly when
 * their one ballot stops counting (rejected). Counting distinct keys instead cost a probe of a
 * per-voter index for every ballot, about a sixth of the ballot statement, to find what the log
 * already guarantees. The rows no longer keep the voter's key (migration 026).
 */
export const APPLY_DELTAS = sql.fragment`
  per_poll AS (
    SELECT poll_id, sum(ballots)::int AS ballots, sum(answered)::bigint AS answered,
           sum(timed)::int AS timed, sum(response_ms)::bigint AS response_ms
    FROM deltas GROUP BY poll_id),
  totals AS (
    UPDATE analytics_polls p
    SET total_ballots = p.total_ballots + t.ballots,
        unique_voters = p.unique_voters + t.ballots,
        answered_questions = p.answered_questions + t.answered,
        timed_ballots = p.timed_ballots + t.timed,
        response_ms = p.response_ms + t.response_ms
    FROM per_poll t
    WHERE p.poll_id = t.poll_id
    RETURNING p.poll_id),
  breakdowns AS (
    INSERT INTO analytics_breakdowns AS a (poll_id, dimension, value, ballots)
    SELECT poll_id, 'device', device, sum(ballots) FROM deltas GROUP BY poll_id, device HAVING sum(ballots) <> 0
    UNION ALL
    SELECT poll_id, 'country', country, sum(ballots) FROM deltas GROUP BY poll_id, country HAVING sum(ballots) <> 0
    ON CONFLICT (poll_id, dimension, value) DO UPDATE SET ballots = a.ballots + excluded.ballots
    RETURNING a.poll_id),
  series AS (
    -- truncated in UTC, not the session's time zone: buckets must not depend on the connection
    INSERT INTO analytics_series AS s (poll_id, granularity, bucket, ballots)
    SELECT poll_id, 'minute', date_trunc('minute', cast_at, 'UTC'), sum(ballots) FROM deltas
    GROUP BY poll_id, date_trunc('minute', cast_at, 'UTC') HAVING sum(ballots) <> 0
    UNION ALL
    SELECT poll_id, 'hour', date_trunc('hour', cast_at, 'UTC'), sum(ballots) FROM deltas
    GROUP BY poll_id, date_trunc('hour', cast_at, 'UTC') HAVING sum(ballots) <> 0
    ON CONFLICT (poll_id, granularity, bucket) DO UPDATE SET ballots = s.ballots + excluded.ballots
    RETURNING s.poll_id)
  SELECT (SELECT count(*) FROM deltas) AS deltas`;
