import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { PostOutcome } from './post.ts';

/** The webhook_deliveries table (migrations/009_worker_jobs.sql): states and why are described there. */
const deliveryRow = z.object({
  poll_id: z.string(),
  milestone: z.number(),
  url: z.string().nullable(),
  ballots: z.number(),
  reached_at: z.string(),
  attempts: z.number(),
});
export type Delivery = z.infer<typeof deliveryRow>;

const COLUMNS = sql.fragment`poll_id, milestone, url, ballots, to_char(reached_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS reached_at, attempts`;

/** Queues a milestone's webhook once; a poll without a URL gets a `skipped` row, which still marks the milestone as handled. */
export async function insertDelivery(
  db: CommonQueryMethods,
  d: { pollId: string; milestone: number; url: string | null; ballots: number; reachedAt: string },
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO webhook_deliveries (poll_id, milestone, url, ballots, reached_at, status)
    VALUES (${d.pollId}, ${d.milestone}, ${d.url}, ${d.ballots}, ${d.reachedAt}::timestamptz,
            ${d.url === null ? 'skipped' : 'pending'})
    ON CONFLICT (poll_id, milestone) DO NOTHING`);
}

/**
 * Rows left in `sending` by an earlier lease holder (crashed, or cut off from the database while
 * its POST was in flight): the POST may have arrived, so they become `unknown` and are not sent
 * again. Run when the lease is taken, before any new claim, so it never touches a POST of ours.
 */
export async function markInterrupted(db: CommonQueryMethods): Promise<number> {
  const result = await db.query(sql.unsafe`
    UPDATE webhook_deliveries
    SET status = 'unknown', last_error = 'the worker sending it stopped before the outcome was known', updated_at = now()
    WHERE status = 'sending'`);
  return result.rowCount;
}

export async function dueDeliveries(db: CommonQueryMethods, now: Date, limit: number): Promise<readonly Delivery[]> {
  return db.any(sql.type(deliveryRow)`
    SELECT ${COLUMNS} FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= ${now.toISOString()}::timestamptz
    ORDER BY next_attempt_at LIMIT ${limit}`);
}

/**
 * Marks one delivery `sending` and counts the attempt, committed before the POST starts: from
 * here on a crash leaves evidence that the POST may have happened. Null when it is no longer due.
 */
export async function claim(db: CommonQueryMethods, d: Pick<Delivery, 'poll_id' | 'milestone'>): Promise<Delivery | null> {
  return db.maybeOne(sql.type(deliveryRow)`
    UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now()
    WHERE poll_id = ${d.poll_id} AND milestone = ${d.milestone} AND status = 'pending'
    RETURNING ${COLUMNS}`);
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
}

const retryDelayMs = (attempt: number, baseMs: number): number => Math.min(baseMs * 2 ** (attempt - 1), 3_600_000);

/**
 * Records the outcome of the claimed attempt. Also from `unknown`: a holder whose lease was taken
 * over mid-POST may still learn the answer, and a known answer beats "unknown".
 */
export async function recordOutcome(db: CommonQueryMethods, d: Delivery, outcome: PostOutcome, policy: RetryPolicy): Promise<void> {
  const where = sql.fragment`poll_id = ${d.poll_id} AND milestone = ${d.milestone} AND attempts = ${d.attempts}
    AND status IN ('sending', 'unknown')`;
  switch (outcome.kind) {
    case 'delivered':
      await db.query(sql.unsafe`
        UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_error = NULL, updated_at = now()
        WHERE ${where}`);
      return;
    case 'retry': {
      const giveUp = d.attempts >= policy.maxAttempts;
      const delayMs = retryDelayMs(d.attempts, policy.baseDelayMs);
      await db.query(sql.unsafe`
        UPDATE webhook_deliveries
        SET status = ${giveUp ? 'failed' : 'pending'}, last_error = ${outcome.error}, updated_at = now(),
            next_attempt_at = now() + make_interval(secs => ${delayMs / 1000})
        WHERE ${where}`);
      return;
    }
    case 'failed':
    case 'unknown':
      await db.query(sql.unsafe`
        UPDATE webhook_deliveries SET status = ${outcome.kind}, last_error = ${outcome.error}, updated_at = now()
        WHERE ${where}`);
      return;
    default: {
      const never: never = outcome;
      throw new Error(`unexpected webhook outcome ${JSON.stringify(never)}`);
    }
  }
}
