import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { Answer } from '../../domain/ballot/answers.ts';
import type { QuestionDefinition } from '../../domain/poll/definition.ts';
import type { BallotStanding, PollStanding } from '../../domain/results/standing.ts';
import { jsonOf } from '../shared/columns.ts';
import type { BatchKeys, Loaded } from './fold-batch.ts';
import { prepared } from '../../db/prepared.ts';

/**
 * The standings a batch touches, read back from read.result_polls and read.result_ballots in
 * the projection's transaction (the runner holds the checkpoint lock, so nobody else moves them).
 */
const standingsRow = z.object({
  // [poll_id, status, questions, closed_position, position]; positions as text (exact past 2^53)
  polls: jsonOf<Array<[string, PollStanding['status'], readonly QuestionDefinition[], string | null, string]>>(),
  // [ballot_id, poll_id, answers, rejected, pending_flags, position]
  ballots: jsonOf<Array<[string, string, readonly Answer[] | null, boolean, string[], string]>>(),
});

/**
 * The standings a batch needs (see keysOf): polls and the ballots of its non-cast events in one
 * statement, then, only if some cast is not above its poll's position (a repeat, or a parked cast
 * replayed), those casts' ballots in a second one.
 */
export async function loadStandings(tx: DatabaseTransactionConnection, keys: BatchKeys): Promise<Loaded> {
  const loaded = await load(tx, keys.pollIds, keys.ballotIds);
  const doubtful = keys.casts.filter(
    (c) => !loaded.ballots.has(c.ballotId) && c.position <= (loaded.polls.get(c.pollId)?.position ?? -1n),
  );
  if (doubtful.length > 0) {
    for (const [id, ballot] of (await load(tx, [], doubtful.map((c) => c.ballotId))).ballots) loaded.ballots.set(id, ballot);
  }
  return loaded;
}

/** Both kinds of standings in one statement: a projection batch is kept to as few round trips as possible. */
async function load(tx: DatabaseTransactionConnection, pollIds: readonly string[], ballotIds: readonly string[]): Promise<Loaded> {
  const row = await tx.one(prepared(sql.type(standingsRow)`
    SELECT
      (SELECT coalesce(json_agg(json_build_array(poll_id, status, questions, closed_position::text, position::text)), '[]')
         FROM result_polls WHERE poll_id = ANY(${sql.array([...pollIds], 'text')})) AS polls,
      (SELECT coalesce(json_agg(json_build_array(ballot_id, poll_id, answers, rejected, pending_flags, position::text)), '[]')
         FROM result_ballots WHERE ballot_id = ANY(${sql.array([...ballotIds], 'text')})) AS ballots`));
  return {
    polls: new Map(row.polls.map(([pollId, status, questions, closedPosition, position]): [string, PollStanding] => [pollId, {
      pollId,
      questions,
      status,
      closedPosition: closedPosition === null ? null : BigInt(closedPosition),
      position: BigInt(position),
    }])),
    ballots: new Map(row.ballots.map(([ballotId, pollId, answers, rejected, pendingFlags, position]): [string, BallotStanding] => [ballotId, {
      ballotId,
      pollId,
      answers,
      rejected,
      pendingFlags,
      position: BigInt(position),
    }])),
  };
}
