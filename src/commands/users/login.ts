import { sql } from 'slonik';
import { UnauthenticatedError } from '../../domain/shared/errors.ts';
import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import type { Role } from '../../domain/user/roles.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import type { AccountDeps } from './account-deps.ts';
import { credentialsByEmail, normaliseEmail } from './credentials.ts';
import { dummyHash, hashPassword, hashSetupToken, needsRehash, sameDigest, verifyPassword } from './password-hash.ts';

export interface LoggedIn {
  userId: string;
  roles: readonly Role[];
  /** An imported account without a password: it logged in with its setup token and must set one. */
  mustChangePassword: boolean;
  /** Goes into the access token: a later password or logout-everywhere revokes it. */
  tokenVersion: number;
}

/** One answer for an unknown email and a wrong password, so login does not reveal who has an account. */
const invalidCredentials = (): UnauthenticatedError =>
  new UnauthenticatedError('auth.invalid-credentials', 'wrong email or password');

/**
 * Every attempt costs one credentials query and one scrypt: an unknown email (or an account that
 * has no password yet) is checked against a dummy hash of the same cost, so the response time
 * tells nothing. An account imported without a password logs in with its setup token as the
 * password (compared in constant time) and gets `mustChangePassword`.
 * Roles come from the user stream, so a role granted since the last login is in the new token.
 */
export async function login(deps: AccountDeps, email: string, password: string): Promise<LoggedIn> {
  const row = await credentialsByEmail(deps, normaliseEmail(email));
  const passwordHash = row?.password_hash ?? null;
  const passwordOk = (await verifyPassword(password, passwordHash ?? (await dummyHash()))) && passwordHash !== null;
  const setupTokenOk = row !== null && passwordHash === null && row.setup_token_hash !== null
    && sameDigest(hashSetupToken(password), row.setup_token_hash);
  if (!row || (!passwordOk && !setupTokenOk)) throw invalidCredentials();

  const { state: user } = await aggregateStream(deps.store, userDecider, userStream(row.user_id));
  // Credentials without events: an abandoned registration, not an account.
  if (user.status === 'none') throw invalidCredentials();

  if (passwordOk && passwordHash && needsRehash(passwordHash)) {
    // The cost was raised since this hash was made: store one at today's cost (only if unchanged).
    const rehashed = await hashPassword(password);
    await deps.sql.query(sql.unsafe`
      UPDATE credentials SET password_hash = ${rehashed}, updated_at = now()
      WHERE user_id = ${row.user_id} AND password_hash = ${passwordHash}`);
  }
  return {
    userId: row.user_id,
    roles: user.roles,
    mustChangePassword: user.status === 'awaiting-password',
    tokenVersion: row.token_version,
  };
}
