import { sql } from 'slonik';
import { userNotFound } from '../../domain/user/errors.ts';
import type { AccountDeps } from './account-deps.ts';

/**
 * Revokes every access token of the account issued so far, by moving its token version on
 * (migrations/015). No event: it changes no fact the ledger records, only which of the
 * account's sessions still count, and the log would keep forever a trail of when a person
 * signed out; a password change, which is a fact about the account, is logged as PasswordSet.
 */
export async function logoutEverywhere(deps: Pick<AccountDeps, 'sql'>, userId: string): Promise<void> {
  const bumped = await deps.sql.query(sql.unsafe`
    UPDATE credentials SET token_version = token_version + 1, updated_at = now() WHERE user_id = ${userId}`);
  if (bumped.rowCount === 0) throw userNotFound(userId);
}
