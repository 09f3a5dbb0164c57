import { sql, type DatabaseTransactionConnection } from 'slonik';
import type { PollClosed, PollCreated, PollOpened } from '../../domain/poll/events.ts';

/**
 * `read.polls` from the poll stream. Each update is guarded by `last_position` (the position of
 * the last poll event applied to the row), so a replayed event changes nothing.
 */
export async function pollCreated(tx: DatabaseTransactionConnection, data: PollCreated['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO polls (poll_id, slug, organizer_id, title, description, status, settings, questions,
                            created_at, created_position, last_position)
    VALUES (${data.pollId}, ${data.slug}, ${data.organizerId}, ${data.title}, ${data.description ?? null}, 'draft',
            ${sql.jsonb(data.settings)}, ${sql.jsonb(data.questions)}, ${data.createdAt}::timestamptz,
            ${position}, ${position})
    ON CONFLICT (poll_id) DO NOTHING`);
}

export async function pollOpened(tx: DatabaseTransactionConnection, data: PollOpened['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE polls SET status = 'active', opened_at = ${data.openedAt}::timestamptz, last_position = ${position}
    WHERE poll_id = ${data.pollId} AND last_position < ${position}`);
}

/** Keeps the close's log position: the counting rule ("a ballot counts if it precedes PollClosed") needs it. */
export async function pollClosed(tx: DatabaseTransactionConnection, data: PollClosed['data'], position: bigint): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE polls
    SET status = 'closed', closed_at = ${data.closedAt}::timestamptz, closed_by = ${data.closedBy},
        closed_position = ${position}, last_position = ${position}
    WHERE poll_id = ${data.pollId} AND last_position < ${position}`);
}
