import { sql } from 'slonik';
import { ForbiddenError, ValidationError } from '../../domain/shared/errors.ts';
import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { setupTokenRequired, userNotFound } from '../../domain/user/errors.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { AccountDeps } from './account-deps.ts';
import { CredentialsRow } from './credentials.ts';
import { hashPassword, hashSetupToken, requirePasswordPolicy, sameDigest, verifyPassword } from './password-hash.ts';

export interface ChangePasswordInput {
  currentPassword?: string | undefined;
  /** For an account imported without a password: its one-time setup token. */
  setupToken?: string | undefined;
  newPassword: string;
}

const wrongPassword = (): ForbiddenError =>
  new ForbiddenError('auth.wrong-password', 'the current password is wrong', { field: 'currentPassword' });

const invalidSetupToken = (): ForbiddenError =>
  new ForbiddenError('auth.invalid-setup-token', 'the setup token is wrong or has been used', { field: 'setupToken' });

/**
 * The credentials row is locked, checked and updated in a transaction, and PasswordSet is appended
 * before that transaction commits: a refused append rolls the new hash back, and the setup token
 * is cleared in the same update that sets the password, so it works once even when two requests
 * race (the second waits for the row lock and then finds no token).
 */
export async function changePassword(
  deps: AccountDeps,
  userId: string,
  input: ChangePasswordInput,
  context: CommandContext,
): Promise<void> {
  requirePasswordPolicy(input.newPassword, 'newPassword');
  if (input.currentPassword !== undefined && input.setupToken !== undefined) {
    throw new ValidationError('auth.one-credential', 'send either currentPassword or setupToken, not both', { field: 'setupToken' });
  }
  if (input.currentPassword === undefined && input.setupToken === undefined) {
    throw new ValidationError('auth.current-password-required', 'currentPassword is required', { field: 'currentPassword' });
  }
  const newHash = await hashPassword(input.newPassword);

  await deps.sql.transaction(async (tx) => {
    const row = await tx.maybeOne(sql.type(CredentialsRow)`
      SELECT user_id::text AS user_id, email, password_hash, setup_token_hash, token_version
      FROM credentials WHERE user_id = ${userId} FOR UPDATE`);
    if (!row) throw userNotFound(userId);
    const viaSetupToken = input.setupToken !== undefined;
    if (input.setupToken !== undefined) {
      if (!row.setup_token_hash || !sameDigest(hashSetupToken(input.setupToken), row.setup_token_hash)) throw invalidSetupToken();
    } else {
      if (row.password_hash === null) throw setupTokenRequired();
      if (!(await verifyPassword(input.currentPassword!, row.password_hash))) throw wrongPassword();
    }
    // A new password ends every session opened with the old one (or with the setup token): the
    // token version moves on with the hash (migrations/015).
    await tx.query(sql.unsafe`
      UPDATE credentials SET password_hash = ${newHash}, setup_token_hash = NULL, token_version = token_version + 1, updated_at = now()
      WHERE user_id = ${userId}`);
    const stream = userStream(userId);
    await handleCommand(
      deps.store,
      userDecider,
      stream,
      { type: 'SetPassword', data: { userId, viaSetupToken, now: deps.now() } },
      context,
    );
  });
}
