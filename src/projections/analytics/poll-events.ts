import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { PollClosed, PollCreated, PollOpened } from '../../domain/poll/events.ts';

/**
 * `read.analytics_polls` from the poll stream: what the ballot statements need to judge a ballot
 * (open time, close position) and to turn sums into rates (question count). Guarded by
 * `last_position`, so a replayed poll event changes nothing.
 */
export async function pollCreated(tx: DatabaseTransactionConnection, data: PollCreated['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO analytics_polls (poll_id, question_count, question_ids, starts_at, last_position)
    VALUES (${data.pollId}, ${data.questions.length}, ${sql.array(data.questions.map((q) => q.questionId), 'text')},
            ${data.settings.startsAt ?? null}::timestamptz, ${position})
    ON CONFLICT (poll_id) DO NOTHING`);
}

export async function pollOpened(tx: DatabaseTransactionConnection, data: PollOpened['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE analytics_polls SET opened_at = ${data.openedAt}::timestamptz, last_position = ${position}
    WHERE poll_id = ${data.pollId} AND last_position < ${position}`);
}

/** From here on the poll's figures are final but for rejections (the counting rule). */
export async function pollClosed(tx: DatabaseTransactionConnection, data: PollClosed['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE analytics_polls SET closed_position = ${position}, last_position = ${position}
    WHERE poll_id = ${data.pollId} AND last_position < ${position}`);
}
