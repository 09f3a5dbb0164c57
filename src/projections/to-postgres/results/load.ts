import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { Answer } from '../../../domain/ballot/answers.ts';
import type { QuestionDefinition } from '../../../domain/poll/definition.ts';
import type { BallotStanding, PollStanding } from '../../../domain/results/standing.ts';
import { jsonOf } from '../../queries/columns.ts';
import type { Loaded } from './fold-batch.ts';

/**
 * The standings a batch touches, read back from read.result_polls and read.result_ballots in
 * the projection's transaction (the runner holds the checkpoint lock, so nobody else moves them).
 */
const pollRow = z.object({
  poll_id: z.string(),
  status: z.enum(['draft', 'active', 'closed']),
  questions: jsonOf<readonly QuestionDefinition[]>(),
  closed_position: z.bigint().nullable(),
  position: z.bigint(),
});

const ballotRow = z.object({
  ballot_id: z.string(),
  poll_id: z.string(),
  answers: jsonOf<readonly Answer[]>().nullable(),
  rejected: z.boolean(),
  pending_flags: z.array(z.string()),
  position: z.bigint(),
});

export async function loadStandings(tx: DatabaseTransactionConnection, pollIds: readonly string[], ballotIds: readonly string[]): Promise<Loaded> {
  const polls = pollIds.length === 0 ? [] : await tx.any(sql.type(pollRow)`
    SELECT poll_id, status, questions, closed_position, position FROM result_polls
    WHERE poll_id = ANY(${sql.array(pollIds, 'text')})`);
  const ballots = ballotIds.length === 0 ? [] : await tx.any(sql.type(ballotRow)`
    SELECT ballot_id, poll_id, answers, rejected, pending_flags, position FROM result_ballots
    WHERE ballot_id = ANY(${sql.array(ballotIds, 'text')})`);
  return {
    polls: new Map(polls.map((r): [string, PollStanding] => [r.poll_id, {
      pollId: r.poll_id,
      questions: r.questions,
      status: r.status,
      closedPosition: r.closed_position,
      position: r.position,
    }])),
    ballots: new Map(ballots.map((r): [string, BallotStanding] => [r.ballot_id, {
      ballotId: r.ballot_id,
      pollId: r.poll_id,
      answers: r.answers,
      rejected: r.rejected,
      pendingFlags: r.pending_flags,
      position: r.position,
    }])),
  };
}
