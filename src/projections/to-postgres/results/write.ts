import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { BatchChanges, CounterDelta, RankingDelta } from './fold-batch.ts';

/**
 * A batch's changes in one statement per table (jsonb_to_recordset), whatever the batch size:
 * while a projection transaction runs, readers of the postgres event store cannot read past it.
 * Standings are written whole (they were folded from what was loaded under the checkpoint lock);
 * counters are moved by deltas. Positions travel as strings: JSON numbers stop being exact at 2^53.
 * JSON arrays go straight into text[] columns (jsonb_to_recordset converts them): a per-row
 * ARRAY(SELECT jsonb_array_elements_text(...)) cost a third of the ballot insert in a rebuild.
 */
export async function writeChanges(tx: DatabaseTransactionConnection, changes: BatchChanges): Promise<void> {
  if (changes.polls.length > 0) await writePolls(tx, changes.polls);
  if (changes.ballots.length > 0) await writeBallots(tx, changes.ballots);
  await addAnswered(tx, changes.answered);
  await addVotes(tx, changes.options);
  await addRatings(tx, changes.ratings);
  await addRankings(tx, changes.rankings);
}

async function writePolls(tx: DatabaseTransactionConnection, polls: BatchChanges['polls']): Promise<void> {
  const rows = polls.map((p) => ({
    poll_id: p.pollId, status: p.status, questions: p.questions, closed_position: p.closedPosition?.toString() ?? null,
    ballots: p.ballotsDelta, flagged: p.flaggedDelta, position: p.position.toString(),
  }));
  await tx.query(sql.unsafe`
    INSERT INTO result_polls AS t (poll_id, status, questions, closed_position, total_ballots, flagged_pending, position)
    SELECT r.poll_id, r.status, r.questions, r.closed_position, r.ballots, r.flagged, r.position
    FROM jsonb_to_recordset(${sql.jsonb(rows)}) AS r(poll_id text, status text, questions jsonb, closed_position bigint,
         ballots integer, flagged integer, position bigint)
    ON CONFLICT (poll_id) DO UPDATE SET status = EXCLUDED.status, closed_position = EXCLUDED.closed_position,
      total_ballots = t.total_ballots + EXCLUDED.total_ballots, flagged_pending = t.flagged_pending + EXCLUDED.flagged_pending,
      position = EXCLUDED.position`);
}

async function writeBallots(tx: DatabaseTransactionConnection, ballots: BatchChanges['ballots']): Promise<void> {
  const rows = ballots.map((b) => ({
    ballot_id: b.ballotId, poll_id: b.pollId, answers: b.answers, rejected: b.rejected, pending_flags: b.pendingFlags,
    position: b.position.toString(),
  }));
  await tx.query(sql.unsafe`
    INSERT INTO result_ballots (ballot_id, poll_id, answers, rejected, pending_flags, position)
    SELECT r.ballot_id, r.poll_id, r.answers, r.rejected, r.pending_flags, r.position
    FROM jsonb_to_recordset(${sql.jsonb(rows)}) AS r(ballot_id text, poll_id text, answers jsonb, rejected boolean,
         pending_flags text[], position bigint)
    ON CONFLICT (ballot_id) DO UPDATE SET answers = EXCLUDED.answers, rejected = EXCLUDED.rejected,
      pending_flags = EXCLUDED.pending_flags, position = EXCLUDED.position`);
}

// ORDER BY in the counter upserts: every writer locks rows in one order, so batches never deadlock.
// A counter that falls to 0 is deleted: which rows exist must not depend on how the log was
// batched (a cast and its change in one batch never touch the first answers' counters), so that
// a replay writes exactly the rows the live run did.
const deltaRows = (deltas: readonly CounterDelta[]) =>
  sql.fragment`jsonb_to_recordset(${sql.jsonb(deltas)}) AS r(poll_id text, question_id text, key text, n integer)`;
const fallen = <D extends { n: number }>(deltas: readonly D[]) => deltas.filter((d) => d.n < 0);

async function addAnswered(tx: DatabaseTransactionConnection, deltas: readonly CounterDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await tx.query(sql.unsafe`
    INSERT INTO result_questions AS t (poll_id, question_id, answered)
    SELECT r.poll_id, r.question_id, r.n FROM ${deltaRows(deltas)} ORDER BY 1, 2
    ON CONFLICT (poll_id, question_id) DO UPDATE SET answered = t.answered + EXCLUDED.answered`);
  if (fallen(deltas).length === 0) return;
  await tx.query(sql.unsafe`
    DELETE FROM result_questions t USING ${deltaRows(fallen(deltas))}
    WHERE t.poll_id = r.poll_id AND t.question_id = r.question_id AND t.answered = 0`);
}

async function addVotes(tx: DatabaseTransactionConnection, deltas: readonly CounterDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await tx.query(sql.unsafe`
    INSERT INTO result_options AS t (poll_id, question_id, option_id, votes)
    SELECT r.poll_id, r.question_id, r.key, r.n FROM ${deltaRows(deltas)} ORDER BY 1, 2, 3
    ON CONFLICT (poll_id, question_id, option_id) DO UPDATE SET votes = t.votes + EXCLUDED.votes`);
  if (fallen(deltas).length === 0) return;
  await tx.query(sql.unsafe`
    DELETE FROM result_options t USING ${deltaRows(fallen(deltas))}
    WHERE t.poll_id = r.poll_id AND t.question_id = r.question_id AND t.option_id = r.key AND t.votes = 0`);
}

async function addRatings(tx: DatabaseTransactionConnection, deltas: readonly CounterDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await tx.query(sql.unsafe`
    INSERT INTO result_ratings AS t (poll_id, question_id, rating, ballots)
    SELECT r.poll_id, r.question_id, r.key::integer, r.n FROM ${deltaRows(deltas)} ORDER BY 1, 2, 3
    ON CONFLICT (poll_id, question_id, rating) DO UPDATE SET ballots = t.ballots + EXCLUDED.ballots`);
  if (fallen(deltas).length === 0) return;
  await tx.query(sql.unsafe`
    DELETE FROM result_ratings t USING ${deltaRows(fallen(deltas))}
    WHERE t.poll_id = r.poll_id AND t.question_id = r.question_id AND t.rating = r.key::integer AND t.ballots = 0`);
}

async function addRankings(tx: DatabaseTransactionConnection, deltas: readonly RankingDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const rows = (list: readonly RankingDelta[]) =>
    sql.fragment`jsonb_to_recordset(${sql.jsonb(list)}) AS r(poll_id text, question_id text, ranking text[], n integer)`;
  await tx.query(sql.unsafe`
    INSERT INTO result_ranking_counts AS t (poll_id, question_id, ranking, ballots)
    SELECT r.poll_id, r.question_id, r.ranking, r.n FROM ${rows(deltas)} ORDER BY 1, 2, 3
    ON CONFLICT (poll_id, question_id, ranking) DO UPDATE SET ballots = t.ballots + EXCLUDED.ballots`);
  if (fallen(deltas).length === 0) return;
  await tx.query(sql.unsafe`
    DELETE FROM result_ranking_counts t USING ${rows(fallen(deltas))}
    WHERE t.poll_id = r.poll_id AND t.question_id = r.question_id AND t.ranking = r.ranking AND t.ballots = 0`);
}
