import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { BallotCast, BallotFlagged, FlagReviewed } from '../../domain/ballot/events.ts';
import { ballotStream } from '../../domain/shared/streams.ts';

/**
 * `read.ballots` and `read.flags` from the ballot streams. Inserts are `ON CONFLICT DO NOTHING`
 * on the event's own id and updates are guarded by the row's `position`, so replays are harmless.
 */

export type { CastAt } from '../runner/cast-runs.ts';
import { lastChangeOfEachBallot, type CastAt, type ChangeAt, type FlagAt } from '../runner/cast-runs.ts';
import { jsonRows } from '../shared/json-rows.ts';
import { prepared } from '../../db/prepared.ts';

/**
 * A run of consecutive BallotCast events in one statement: ballots are most of the log, and one
 * round trip per ballot would keep the projection's transaction (which holds back every reader
 * of the postgres event store) open for hundreds of milliseconds per batch.
 *
 * Counts each ballot on its poll only when its insert happened (not on a replay) and only while
 * the poll has no PollClosed applied: events arrive in log order and a run holds no PollClosed,
 * so `closed_position IS NULL` means exactly "precedes the close" (ARCHITECTURE.md, counting rule).
 */
export async function ballotsCast(tx: DatabaseTransactionConnection, casts: readonly CastAt[]): Promise<void> {
  const rows = casts.map(({ data, position }) => ({
    ballot_id: data.ballotId,
    poll_id: data.pollId,
    voter_key: data.voterKey,
    account_id: data.accountId ?? null,
    answers: data.answers,
    meta: data.meta,
    cast_at: data.castAt,
    // as a string: JSON numbers lose precision past 2^53
    position: String(position),
  }));
  await tx.query(prepared(sql.unsafe`
    WITH inserted AS (
      INSERT INTO ballots (ballot_id, poll_id, voter_key, account_id, answers, meta, cast_at, cast_position, position)
      SELECT r.ballot_id, r.poll_id, r.voter_key, r.account_id, r.answers, r.meta, r.cast_at, r.position, r.position
      FROM ${jsonRows(rows, sql.fragment`r(ballot_id text, poll_id text, voter_key text, account_id text,
           answers json, meta json, cast_at timestamptz, position bigint)`)}
      ORDER BY r.position
      ON CONFLICT (ballot_id) DO NOTHING
      RETURNING poll_id),
    counted AS (SELECT poll_id, count(*)::int AS n FROM inserted GROUP BY poll_id)
    UPDATE polls p SET ballots = p.ballots + c.n
    FROM counted c WHERE p.poll_id = c.poll_id AND p.closed_position IS NULL`));
}

/**
 * A run of BallotChanged in one statement, the last change of each ballot (see cast-runs.ts). The
 * meta of the cast stays: it describes the ballot's origin.
 */
export async function ballotsChanged(tx: DatabaseTransactionConnection, changes: readonly ChangeAt[]): Promise<void> {
  const rows = lastChangeOfEachBallot(changes).map(({ data, position }) => ({
    ballot_id: data.ballotId,
    answers: data.answers,
    changed_at: data.changedAt,
    position: String(position),
  }));
  await tx.query(prepared(sql.unsafe`
    UPDATE ballots b SET answers = r.answers, changed_at = r.changed_at, position = r.position
    FROM ${jsonRows(rows, sql.fragment`r(ballot_id text, answers json, changed_at timestamptz, position bigint)`)}
    WHERE b.ballot_id = r.ballot_id AND b.position < r.position`));
}

/** The review-queue rows of a run of BallotFlagged (see cast-runs.ts), in one statement: pending, keyed by flag id. */
export async function ballotsFlagged(tx: DatabaseTransactionConnection, flags: readonly FlagAt[]): Promise<void> {
  const rows = flags.map(({ data, stream, position }) => ({
    flag_id: data.flagId,
    ballot_id: data.ballotId,
    poll_id: data.pollId,
    voter_key: voterKeyOf(stream, data.pollId),
    reasons: data.reasons,
    flagged_by: data.flaggedBy,
    details: data.details ?? null,
    flagged_at: data.flaggedAt,
    position: String(position),
  }));
  await tx.query(prepared(sql.unsafe`
    INSERT INTO flags (flag_id, ballot_id, poll_id, voter_key, reasons, flagged_by, details, flagged_at, status, flagged_position, position)
    SELECT r.flag_id, r.ballot_id, r.poll_id, r.voter_key, r.reasons, r.flagged_by, r.details, r.flagged_at, 'pending', r.position, r.position
    FROM ${jsonRows(rows, sql.fragment`r(flag_id text, ballot_id text, poll_id text, voter_key text, reasons jsonb, flagged_by text,
         details jsonb, flagged_at timestamptz, position bigint)`)}
    ORDER BY r.position
    ON CONFLICT (flag_id) DO NOTHING`));
}

export async function flagReviewed(tx: DatabaseTransactionConnection, data: FlagReviewed['data'], position: bigint): Promise<void> {
  const status = data.decision === 'uphold' ? 'upheld' : 'rejected';
  await tx.query(sql.unsafe`
    UPDATE flags
    SET status = ${status}, reviewer_id = ${data.reviewerId}, note = ${data.note},
        reviewed_at = ${data.reviewedAt}::timestamptz, position = ${position}
    WHERE flag_id = ${data.flagId} AND position < ${position}`);
}

/**
 * BallotFlagged does not repeat the voter key; the stream name `ballot-<pollId>-<voterKey>` has it.
 * Cut by the known prefix, not by splitting on `-`: poll ids and voter keys contain dashes.
 */
function voterKeyOf(stream: string, pollId: string): string {
  const prefix = ballotStream(pollId, '');
  if (!stream.startsWith(prefix) || stream.length === prefix.length) {
    throw new Error(`stream ${stream} is not a ballot stream of poll ${pollId}`);
  }
  return stream.slice(prefix.length);
}
