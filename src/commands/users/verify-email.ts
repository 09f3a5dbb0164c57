import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import type { EmailVerified } from '../../domain/user/events.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import { EMAIL_CODE_ERRORS as E, MAX_ATTEMPTS, deleteCode, hashCode, normaliseCode, takeAttempt } from './email-codes.ts';
import { sameDigest } from './password-hash.ts';
import type { EmailVerificationDeps } from './request-email-verification.ts';

export interface EmailVerifiedView {
  emailVerified: true;
  email: string;
  verifiedAt: string;
}

/**
 * Checks a mailed code and records EmailVerified on the user stream. Every try is counted before
 * the comparison (so parallel guesses cannot share one try); the fifth wrong one burns the code,
 * and a burned or expired code refuses even the right digits. The row is deleted only after the
 * event is appended: a failed append leaves the code usable for another try.
 */
export async function verifyEmail(
  deps: EmailVerificationDeps,
  userId: string,
  code: string,
  context: CommandContext,
): Promise<EmailVerifiedView> {
  const now = deps.now();
  const attempt = await takeAttempt(deps.sql, userId, now);
  if (!attempt) throw E.missing();
  if (attempt.attempts > MAX_ATTEMPTS) throw E.burned();
  if (attempt.expired) throw E.expired();
  if (!sameDigest(hashCode(deps.identityKey, userId, normaliseCode(code)), attempt.codeHash)) {
    throw attempt.attempts >= MAX_ATTEMPTS ? E.burned() : E.wrong(MAX_ATTEMPTS - attempt.attempts);
  }

  const { events } = await handleCommand(
    deps.store,
    userDecider,
    userStream(userId),
    { type: 'VerifyEmail', data: { userId, email: attempt.email, now } },
    context,
  );
  await deleteCode(deps.sql, userId, attempt.codeHash);
  const verified = events.find((e): e is EmailVerified => e.type === 'EmailVerified');
  if (!verified) throw new Error('VerifyEmail decided no EmailVerified');
  return { emailVerified: true, email: verified.data.email, verifiedAt: verified.data.verifiedAt };
}
