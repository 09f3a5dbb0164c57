import { ConflictError } from '../../domain/shared/errors.ts';
import { FIRST_ADMIN_STREAM } from '../../domain/shared/streams.ts';
import { FIRST_ADMIN_CODES, firstAdminDecider } from '../../domain/user/first-admin.ts';
import { WrongExpectedRevisionError } from '../../event-store/errors.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { AccountDeps } from './account-deps.ts';
import { credentialsOf, userExists } from './credentials.ts';

/**
 * Called by a registration that found the credentials table empty. True when this account won
 * the `bootstrap-first-admin` stream and so registers as admin; false when another account did.
 */
export async function claimFirstAdmin(deps: AccountDeps, userId: string, context: CommandContext): Promise<boolean> {
  const { state } = await aggregateStream(deps.store, firstAdminDecider, FIRST_ADMIN_STREAM);
  let abandonedClaimOf: string | null = null;
  if (state.status === 'claimed' && state.userId !== userId) {
    // A claim by an account that has neither events nor credentials never became an account.
    const alive = (await userExists(deps, state.userId)) || (await credentialsOf(deps, state.userId)) !== null;
    if (alive) return false;
    abandonedClaimOf = state.userId;
  }
  try {
    await handleCommand(
      deps.store,
      firstAdminDecider,
      FIRST_ADMIN_STREAM,
      { type: 'ClaimFirstAdmin', data: { userId, abandonedClaimOf, now: deps.now() } },
      context,
    );
    return true;
  } catch (error) {
    const lost = error instanceof WrongExpectedRevisionError
      || (error instanceof ConflictError && error.code === FIRST_ADMIN_CODES.taken);
    if (lost) return false;
    throw error;
  }
}
