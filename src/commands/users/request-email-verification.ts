import { PollsterError, UnavailableError } from '../../domain/shared/errors.ts';
import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { emailAlreadyVerified, userNotFound } from '../../domain/user/errors.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import type { AccountDeps } from './account-deps.ts';
import { CODE_TTL_MS, CodeTooSoonError, deleteCode, hashCode, newCode, storeCode } from './email-codes.ts';

export type EmailVerificationDeps = Pick<AccountDeps, 'store' | 'sql' | 'mailer' | 'identityKey' | 'now'>;

export interface CodeSent {
  /** Where the code went: the account's own address. */
  email: string;
  expiresAt: string;
}

/**
 * Mails a new one-time code to the account's own address (never to one the caller names, or
 * this would mail codes anywhere). The code is stored before it is mailed, so a code that
 * arrives always works; a mail that fails takes its code back, so the caller may ask again at
 * once instead of waiting out the throttle for a code that never came.
 */
export async function requestEmailVerification(deps: EmailVerificationDeps, userId: string): Promise<CodeSent> {
  const { state: user } = await aggregateStream(deps.store, userDecider, userStream(userId));
  if (user.status === 'none') throw userNotFound(userId);
  if (user.emailVerifiedAt !== undefined) throw emailAlreadyVerified(userId);

  const now = deps.now();
  const code = newCode();
  const codeHash = hashCode(deps.identityKey, userId, code);
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  const stored = await storeCode(deps.sql, { userId, email: user.email, codeHash, expiresAt, sentAt: now });
  if (!stored.stored) throw new CodeTooSoonError(stored.retryAfterSeconds);

  try {
    await deps.mailer.send({ to: user.email, subject: 'Your Pollster verification code', text: mailText(code) });
  } catch (error) {
    await deleteCode(deps.sql, userId, codeHash).catch(() => {});
    if (error instanceof PollsterError) throw error;
    throw new UnavailableError('mail.unavailable', 'the code could not be mailed; try again later', { cause: error });
  }
  return { email: user.email, expiresAt: expiresAt.toISOString() };
}

function mailText(code: string): string {
  return [
    'Your Pollster verification code is:',
    '',
    `    ${code}`,
    '',
    `It works once, for ${CODE_TTL_MS / 60_000} minutes.`,
    '',
    'If you did not ask for it, someone entered your address in Pollster:',
    'ignore this mail and the address stays unverified.',
    '',
  ].join('\n');
}
