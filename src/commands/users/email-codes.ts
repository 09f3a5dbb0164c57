import { createHmac, type KeyObject, randomInt } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { sql } from 'slonik';
import { z } from 'zod';
import { PollsterError, ValidationError } from '../../domain/shared/errors.ts';

/**
 * The one-time codes of email verification, in `email_verification_codes` (migrations/015): the
 * rules that make an 8-digit code safe to mail. 10^8 codes, 5 tries per code and one code per 30 s
 * per account give a guesser about one chance in 10^8 per 6 s, years of trying for an even
 * chance; the 15 minutes bound how long a code left in a mailbox is worth anything.
 */
export const CODE_DIGITS = 8;
export const CODE_TTL_MS = 15 * 60_000;
export const RESEND_AFTER_MS = 30_000;
export const MAX_ATTEMPTS = 5;

/** Uniform over all 8-digit strings, leading zeros included (crypto.randomInt, never Math.random). */
export const newCode = (): string => String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');

/**
 * Keyed, so a copy of the table does not give the codes away by hashing all 10^8 of them; bound
 * to the account, so a row moved to another account verifies nothing.
 */
export const hashCode = (key: KeyObject, userId: string, code: string): string =>
  createHmac('sha256', key).update(`email-code:${userId}:${code}`).digest('hex');

/** What people paste: `1234 5678`, `1234-5678`. */
export const normaliseCode = (code: string): string => code.replace(/[\s-]/g, '');

/** 429 with a stable code; the error handler turns retryAfterSeconds into Retry-After. */
export class CodeTooSoonError extends PollsterError {
  readonly kind = 'too-many-requests';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('email.code-too-soon', `a code was mailed less than ${RESEND_AFTER_MS / 1000} s ago; ask again in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const EMAIL_CODE_ERRORS = {
  missing: () => new ValidationError('email.code-missing', 'no code is waiting for this account: request one first', { field: 'code' }),
  wrong: (left: number) =>
    new ValidationError('email.code-wrong', `wrong code; ${left} ${left === 1 ? 'try' : 'tries'} left`, { field: 'code' }),
  burned: () =>
    new ValidationError('email.code-burned', `${MAX_ATTEMPTS} wrong tries: this code is void; request a new one`, { field: 'code' }),
  expired: () =>
    new ValidationError('email.code-expired', `the code is older than ${CODE_TTL_MS / 60_000} minutes; request a new one`, { field: 'code' }),
} as const;

export interface NewCodeRow {
  userId: string;
  email: string;
  codeHash: string;
  expiresAt: Date;
  sentAt: Date;
}

/**
 * Stores a new code unless one was mailed less than RESEND_AFTER_MS ago: one statement, so two
 * requests at once cannot both pass. The new code replaces the old (burned ones included, which
 * is why a burned row is kept until then: deleting it would reset the 30 s throttle).
 */
export async function storeCode(pool: DatabasePool, row: NewCodeRow): Promise<{ stored: true } | { stored: false; retryAfterSeconds: number }> {
  const sentAt = row.sentAt.toISOString();
  const stored = await pool.maybeOne(sql.type(z.object({ stored: z.boolean() }))`
    INSERT INTO email_verification_codes (user_id, email, code_hash, expires_at, attempts, sent_at)
    VALUES (${row.userId}, ${row.email}, ${row.codeHash}, ${row.expiresAt.toISOString()}::timestamptz, 0, ${sentAt}::timestamptz)
    ON CONFLICT (user_id) DO UPDATE
      SET email = excluded.email, code_hash = excluded.code_hash, expires_at = excluded.expires_at,
          attempts = 0, sent_at = excluded.sent_at
      WHERE email_verification_codes.sent_at <= excluded.sent_at - make_interval(secs => ${RESEND_AFTER_MS / 1000})
    RETURNING true AS stored`);
  if (stored) return { stored: true };
  const wait = await pool.maybeOneFirst(sql.type(z.object({ wait: z.number() }))`
    SELECT ceil(extract(epoch FROM sent_at + make_interval(secs => ${RESEND_AFTER_MS / 1000}) - ${sentAt}::timestamptz))::int AS wait
    FROM email_verification_codes WHERE user_id = ${row.userId}`);
  return { stored: false, retryAfterSeconds: Math.max(1, wait ?? 1) };
}

export interface Attempt {
  email: string;
  codeHash: string;
  attempts: number;
  expired: boolean;
}

/**
 * Counts a try before the code is compared, in one statement: parallel guesses each use up a try,
 * however they interleave. (Capped, so a burned row cannot count without end.)
 */
export async function takeAttempt(pool: DatabasePool, userId: string, now: Date): Promise<Attempt | null> {
  const row = await pool.maybeOne(sql.type(z.object({ email: z.string(), code_hash: z.string(), attempts: z.number(), expired: z.boolean() }))`
    UPDATE email_verification_codes SET attempts = LEAST(attempts + 1, ${MAX_ATTEMPTS + 1})
    WHERE user_id = ${userId}
    RETURNING email, code_hash, attempts, expires_at <= ${now.toISOString()}::timestamptz AS expired`);
  return row && { email: row.email, codeHash: row.code_hash, attempts: row.attempts, expired: row.expired };
}

/** Only the code that was used: a new one requested meanwhile survives. */
export async function deleteCode(pool: DatabasePool, userId: string, codeHash: string): Promise<void> {
  await pool.query(sql.unsafe`DELETE FROM email_verification_codes WHERE user_id = ${userId} AND code_hash = ${codeHash}`);
}
