import { userStream } from '../../domain/shared/streams.ts';
import { userDecider } from '../../domain/user/decider.ts';
import { userNotFound } from '../../domain/user/errors.ts';
import type { Role } from '../../domain/user/roles.ts';
import { aggregateStream } from '../../event-store/aggregate-stream.ts';
import type { AccountDeps } from './account-deps.ts';

export interface Me {
  userId: string;
  email: string;
  displayName: string;
  roles: readonly Role[];
  nationalIdVerified: boolean;
  /** The registry's name once verified, else null. */
  fullName: string | null;
  mustChangePassword: boolean;
  /** The owner proved they read mail sent to `email` (organization polls need it). */
  emailVerified: boolean;
}

/**
 * The caller's own account, read from its stream (a handful of events), not from a projection:
 * it must show a role or a verification the moment the command that made it returned.
 */
export async function getMe(deps: Pick<AccountDeps, 'store'>, userId: string): Promise<Me> {
  const { state: user } = await aggregateStream(deps.store, userDecider, userStream(userId));
  if (user.status === 'none') throw userNotFound(userId);
  return {
    userId: user.userId,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    nationalIdVerified: user.nationalIdHash !== null,
    fullName: user.fullName,
    mustChangePassword: user.status === 'awaiting-password',
    emailVerified: user.emailVerifiedAt !== undefined,
  };
}
