import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { Answer } from '../../domain/ballot/answers.ts';
import type { BallotMeta } from '../../domain/ballot/events.ts';
import { isoTime, jsonOf, nullableIsoTime } from '../shared/columns.ts';

/** A ballot as the catalog knows it; `voterKey` names its stream `ballot-<pollId>-<voterKey>`. */
export interface BallotView {
  ballotId: string;
  pollId: string;
  voterKey: string;
  accountId: string | null;
  answers: readonly Answer[];
  meta: BallotMeta;
  castAt: string;
  changedAt: string | null;
  /** `$all` position of the BallotCast (the counting rule compares it with the poll's close). */
  castPosition: bigint;
  /** `$all` position of the last event applied to the ballot (cast or change). */
  position: bigint;
}

const ballotRow = z
  .object({
    ballot_id: z.string(),
    poll_id: z.string(),
    voter_key: z.string(),
    account_id: z.string().nullable(),
    answers: jsonOf<readonly Answer[]>(),
    meta: jsonOf<BallotMeta>(),
    cast_at: isoTime,
    changed_at: nullableIsoTime,
    cast_position: z.bigint(),
    position: z.bigint(),
  })
  .transform(
    (r): BallotView => ({
      ballotId: r.ballot_id,
      pollId: r.poll_id,
      voterKey: r.voter_key,
      accountId: r.account_id,
      answers: r.answers,
      meta: r.meta,
      castAt: r.cast_at,
      changedAt: r.changed_at,
      castPosition: r.cast_position,
      position: r.position,
    }),
  );

/**
 * A ballot of a poll by id, or null (also when the ballot belongs to another poll, so a route
 * `/polls/{pollId}/ballots/{ballotId}` cannot reach a ballot through the wrong poll).
 */
export async function findBallot(db: CommonQueryMethods, pollId: string, ballotId: string): Promise<BallotView | null> {
  return db.maybeOne(sql.type(ballotRow)`
    SELECT ballot_id, poll_id, voter_key, account_id, answers, meta, cast_at, changed_at, cast_position, position
    FROM read.ballots WHERE ballot_id = ${ballotId} AND poll_id = ${pollId}`);
}
