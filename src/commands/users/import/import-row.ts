import { PollsterError } from '../../../domain/shared/errors.ts';
import { userStream } from '../../../domain/shared/streams.ts';
import type { ImportUser } from '../../../domain/user/commands.ts';
import { userDecider } from '../../../domain/user/decider.ts';
import { toAppend, type CommandContext } from '../../handle-command.ts';
import type { AccountDeps } from '../account-deps.ts';
import { claimEmail, credentialsByEmail, releaseEmail, userExists } from '../credentials.ts';
import { hashPassword, hashSetupToken, newSetupToken, requirePasswordPolicy } from '../password-hash.ts';
import type { ImportRow } from '../../../adapters/user-import/parse-rows.ts';

export type ImportDeps = Pick<AccountDeps, 'store' | 'sql' | 'now' | 'newId' | 'abandonedAfterMs'>;

export type RowOutcome =
  | { kind: 'imported'; email: string; setupToken: string | undefined }
  | { kind: 'skipped' }
  | { kind: 'failed'; message: string };

/**
 * As a registration does it. An email that has an account already is skipped, so importing a file
 * twice creates no duplicates. The row's nationalId is ignored on purpose: an id is linked only
 * when the registry vouches for it, or an admin's typo would claim, and block, a real person's id.
 * A PollsterError is the row's fault (reported, the import goes on); anything else stops the import.
 */
export async function importRow(deps: ImportDeps, row: ImportRow, context: CommandContext): Promise<RowOutcome> {
  const userId = deps.newId();
  const setupToken = row.password === undefined ? newSetupToken() : undefined;
  const command: ImportUser = {
    type: 'ImportUser',
    data: {
      userId, email: row.email, displayName: row.displayName, hasPassword: row.password !== undefined,
      ...(setupToken ? { setupTokenHash: hashSetupToken(setupToken) } : {}), now: deps.now(),
    },
  };
  try {
    // Deciding against an empty stream is the validation (email, display name).
    const events = userDecider.decide(command, userDecider.initialState());
    const email = events[0]?.type === 'UserImported' ? events[0].data.email : row.email;
    if (row.password !== undefined) requirePasswordPolicy(row.password, 'password');
    let passwordHash: string | null = null;
    if (row.password !== undefined) {
      // Check first, so a re-run skips existing accounts without paying for scrypt (a row
      // without a password needs no such check: the claim itself finds the email taken).
      const existing = await credentialsByEmail(deps, email);
      if (existing && (await userExists(deps, existing.user_id))) return { kind: 'skipped' };
      passwordHash = await hashPassword(row.password);
    }
    const claim = await claimEmail(deps, { userId, email, passwordHash, setupTokenHash: command.data.setupTokenHash ?? null });
    if (claim.outcome === 'taken') return { kind: 'skipped' };
    if (claim.outcome === 'busy') return { kind: 'failed', message: 'email: this email is being registered right now; import the row again later' };
    try {
      // A fresh random id cannot have a stream: append with no_stream directly instead of the
      // generic handler's read-then-append, which would double the round trips of a bulk import.
      await deps.store.append(userStream(userId), toAppend(events, context), 'no_stream');
    } catch (error) {
      await releaseEmail(deps, userId).catch(() => {});
      throw error;
    }
    return { kind: 'imported', email, setupToken };
  } catch (error) {
    // The row's own fault is reported with it; an unavailable store is not (nor is its text).
    if (error instanceof PollsterError && error.kind !== 'unavailable') {
      return { kind: 'failed', message: error.field ? `${error.field}: ${error.message}` : error.message };
    }
    throw error;
  }
}
