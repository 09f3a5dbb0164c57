import { type FragmentSqlToken, sql, type DatabaseTransactionConnection } from 'slonik';
import type { BallotStanding } from '../../domain/results/standing.ts';
import type { BatchChanges, CounterDelta, RankingDelta } from './fold-batch.ts';
import { jsonRows } from '../shared/json-rows.ts';
import { prepared } from '../../db/prepared.ts';

/**
 * A batch's changes in one statement (a CTE per table, rows bound as one json parameter each),
 * plus one more only when a counter may have fallen to 0: while a projection transaction runs,
 * readers of the postgres event store cannot read past it. Positions travel as strings: JSON
 * numbers stop being exact at 2^53.
 */
export async function writeChanges(tx: DatabaseTransactionConnection, changes: BatchChanges): Promise<void> {
  const upserts = [
    changes.polls.length > 0 ? writePolls(changes.polls) : null,
    changes.ballots.inserted.length > 0 ? insertBallots(changes.ballots.inserted) : null,
    changes.ballots.updated.length > 0 ? updateBallots(changes.ballots.updated) : null,
    ...COUNTERS.map((c) => c.add(changes)),
  ].filter((part) => part !== null);
  if (upserts.length > 0) await tx.query(prepared(sql.unsafe`${withAll(upserts)} SELECT 1`));
  // A counter that falls to 0 is deleted: which rows exist must not depend on how the log was
  // batched (a cast and its change in one batch never touch the first answers' counters), so that
  // a replay writes exactly the rows the live run did. After the upserts: a CTE does not see its
  // siblings' writes.
  const removals = COUNTERS.map((c) => c.removeZeros(changes)).filter((part) => part !== null);
  if (removals.length > 0) await tx.query(prepared(sql.unsafe`${withAll(removals)} SELECT 1`));
}

const withAll = (parts: readonly FragmentSqlToken[]) =>
  sql.fragment`WITH ${sql.join(parts.map((part, i) => sql.fragment`${sql.identifier([`w${i}`])} AS (${part})`), sql.fragment`, `)}`;

function writePolls(polls: BatchChanges['polls']): FragmentSqlToken {
  const rows = polls.map((p) => ({
    poll_id: p.pollId, status: p.status, questions: p.questions, closed_position: p.closedPosition?.toString() ?? null,
    ballots: p.ballotsDelta, flagged: p.flaggedDelta, position: p.position.toString(),
  }));
  return sql.fragment`
    INSERT INTO result_polls AS t (poll_id, status, questions, closed_position, total_ballots, flagged_pending, position)
    SELECT r.poll_id, r.status, r.questions, r.closed_position, r.ballots, r.flagged, r.position
    FROM ${jsonRows(rows, sql.fragment`r(poll_id text, status text, questions jsonb, closed_position bigint,
         ballots integer, flagged integer, position bigint)`)}
    ON CONFLICT (poll_id) DO UPDATE SET status = EXCLUDED.status, closed_position = EXCLUDED.closed_position,
      total_ballots = t.total_ballots + EXCLUDED.total_ballots, flagged_pending = t.flagged_pending + EXCLUDED.flagged_pending,
      position = EXCLUDED.position`;
}

// Ballots the batch saw first are plain inserts, not upserts: their standings were loaded under
// the checkpoint lock and were not there, and an upsert costs a speculative insertion per row,
// on the projection's and the rebuild's most frequent write.
const ballotRows = (ballots: readonly BallotStanding[]) => {
  const rows = ballots.map((b) => ({
    ballot_id: b.ballotId, poll_id: b.pollId, answers: b.answers, rejected: b.rejected, pending_flags: b.pendingFlags,
    position: b.position.toString(),
  }));
  return jsonRows(rows, sql.fragment`r(ballot_id text, poll_id text, answers json, rejected boolean,
    pending_flags text[], position bigint)`);
};

function insertBallots(ballots: readonly BallotStanding[]): FragmentSqlToken {
  return sql.fragment`
    INSERT INTO result_ballots (ballot_id, poll_id, answers, rejected, pending_flags, position)
    SELECT r.ballot_id, r.poll_id, r.answers, r.rejected, r.pending_flags, r.position FROM ${ballotRows(ballots)}`;
}

function updateBallots(ballots: readonly BallotStanding[]): FragmentSqlToken {
  return sql.fragment`
    UPDATE result_ballots t SET answers = r.answers, rejected = r.rejected, pending_flags = r.pending_flags, position = r.position
    FROM ${ballotRows(ballots)} WHERE t.ballot_id = r.ballot_id`;
}

// ORDER BY in the counter upserts: every writer locks rows in one order, so batches never deadlock.
const deltaRows = (deltas: readonly CounterDelta[]) =>
  jsonRows(deltas, sql.fragment`r(poll_id text, question_id text, key text, n integer)`);
const rankingRows = (deltas: readonly RankingDelta[]) =>
  jsonRows(deltas, sql.fragment`r(poll_id text, question_id text, ranking text[], n integer)`);

type CounterField = 'answered' | 'options' | 'ratings' | 'rankings';
type Counter = {
  /** The upsert moving the batch's deltas of this counter, or null when it has none. */
  add(changes: BatchChanges): FragmentSqlToken | null;
  /** The delete of rows the batch may have brought to 0, or null when none of its deltas is negative. */
  removeZeros(changes: BatchChanges): FragmentSqlToken | null;
};

/**
 * A counter table: (poll_id, question_id[, key column]) → count column, moved by the deltas of
 * `field`. `key` names the third key column and the expression of the delta row (`r`) it takes.
 */
interface CounterTable<F extends CounterField> {
  field: F;
  table: string;
  key?: { column: string; from: FragmentSqlToken };
  count: string;
  rows: (deltas: BatchChanges[F]) => FragmentSqlToken;
}

function counter<F extends CounterField>({ field, table, key, count, rows }: CounterTable<F>): Counter {
  const t = sql.identifier([table]);
  const n = sql.identifier([count]);
  const keyColumn = key ? sql.fragment`, ${sql.identifier([key.column])}` : sql.fragment``;
  const keyValue = key ? sql.fragment`, ${key.from}` : sql.fragment``;
  const keyMatch = key ? sql.fragment`AND t.${sql.identifier([key.column])} = ${key.from}` : sql.fragment``;
  return {
    add: (changes) => {
      const deltas = changes[field];
      if (deltas.length === 0) return null;
      return sql.fragment`
        INSERT INTO ${t} AS t (poll_id, question_id${keyColumn}, ${n})
        SELECT r.poll_id, r.question_id${keyValue}, r.n FROM ${rows(deltas)} ORDER BY 1, 2${key ? sql.fragment`, 3` : sql.fragment``}
        ON CONFLICT (poll_id, question_id${keyColumn}) DO UPDATE SET ${n} = t.${n} + EXCLUDED.${n}`;
    },
    removeZeros: (changes) => {
      const fallen = (changes[field] as ReadonlyArray<{ n: number }>).filter((d) => d.n < 0) as BatchChanges[F];
      if (fallen.length === 0) return null;
      return sql.fragment`
        DELETE FROM ${t} t USING ${rows(fallen)}
        WHERE t.poll_id = r.poll_id AND t.question_id = r.question_id ${keyMatch} AND t.${n} = 0`;
    },
  };
}

const COUNTERS: readonly Counter[] = [
  counter({ field: 'answered', table: 'result_questions', count: 'answered', rows: deltaRows }),
  counter({ field: 'options', table: 'result_options', key: { column: 'option_id', from: sql.fragment`r.key` }, count: 'votes', rows: deltaRows }),
  counter({ field: 'ratings', table: 'result_ratings', key: { column: 'rating', from: sql.fragment`r.key::integer` }, count: 'ballots', rows: deltaRows }),
  counter({ field: 'rankings', table: 'result_ranking_counts', key: { column: 'ranking', from: sql.fragment`r.ranking` }, count: 'ballots', rows: rankingRows }),
];
