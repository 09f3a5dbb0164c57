import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { Answer } from '../../domain/ballot/answers.ts';
import { type RawTally, rawTallyFromCounters } from '../../domain/results/raw.ts';
import type { BallotStanding } from '../../domain/results/standing.ts';
import { jsonOf } from '../shared/columns.ts';
import { readResultCounts } from './get-results.ts';

const rejectedRow = z.object({
  ballot_id: z.string(),
  poll_id: z.string(),
  answers: jsonOf<readonly Answer[]>(),
  pending_flags: z.array(z.string()),
  position: z.bigint(),
});

/**
 * The raw tally from the read models: the results counters plus the ballots a reviewer rejected
 * (found through their rejected flags, so only those few standings are read, by primary key),
 * and the pending flags of the review queue. One REPEATABLE READ transaction: one snapshot of
 * every table. Null when the results projection has not seen the poll yet.
 */
export async function getRawTally(pool: DatabasePool, pollId: string): Promise<RawTally | null> {
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    const read = await readResultCounts(tx, pollId);
    if (read === null) return null;
    const rejected = await tx.any(sql.type(rejectedRow)`
      SELECT b.ballot_id, b.poll_id, b.answers, b.pending_flags, b.position FROM read.result_ballots b
      WHERE b.ballot_id IN (SELECT ballot_id FROM read.flags WHERE poll_id = ${pollId} AND status = 'rejected')
        AND b.rejected AND b.answers IS NOT NULL`);
    const pendingFlags = await tx.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM read.flags WHERE poll_id = ${pollId} AND status = 'pending'`);
    const standings = rejected.map((r): BallotStanding => ({
      ballotId: r.ballot_id, pollId: r.poll_id, answers: r.answers, rejected: true, pendingFlags: r.pending_flags, position: r.position,
    }));
    return rawTallyFromCounters({ ...read.header, questions: read.questions }, read.counts, standings, pendingFlags);
  });
}
