import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import type { GrantableRole } from '../../domain/user/roles.ts';
import { handleCommand, type CommandContext } from '../handle-command.ts';
import type { AccountDeps } from './account-deps.ts';

/**
 * The route lets only admins in (roles are not the user aggregate's business). Idempotent: a role
 * held already appends nothing. It shows in the account's access token from its next login.
 */
export async function grantRole(
  deps: AccountDeps,
  userId: string,
  role: GrantableRole,
  grantedBy: string,
  context: CommandContext,
): Promise<void> {
  await handleCommand(
    deps.store,
    userDecider,
    userStream(userId),
    { type: 'GrantRole', data: { userId, role, grantedBy, now: deps.now() } },
    context,
  );
}
